// libFuzzer target at the PDU level: each input is everything a peer sends on one TCP connection
// to a running dicom::Server with every service on (C-ECHO, C-STORE, Storage Commitment, Patient
// and Study Root C-FIND, Modality Worklist, MPPS). The bytes go through the whole acceptor, the
// PDU guard, DCMTK's association and DIMSE layers and our handlers; the server answers or drops
// the connection, and must never crash. Seeds are real conversations recorded from DCMTK's tools
// and radloop's modality simulator.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <thread>

#include <spdlog/spdlog.h>

#include "reference/dicom/server.hpp"
#include "reference/dicom/worklist.hpp"

namespace {

using namespace radloop::dicom;

Server* server = nullptr;
std::uint64_t connections = 0;  // made so far
std::filesystem::path storage;

// A failure the server caught and survived is still a finding: it must not hide from the fuzzer.
void on_event(const AssociationEvent& event) {
  if (event.reason.starts_with("internal error")) {
    std::fprintf(stderr, "association fuzz: the server caught %s\n", event.reason.c_str());
    std::abort();
  }
}

std::shared_ptr<InMemoryOrderSource> orders() {
  WorklistItem item;
  item.patient_id = "MRN1";
  item.patient_name = "DOE^JANE";
  item.accession_number = "ACC1";
  item.study_instance_uid = "1.2.826.0.1.3680043.9.7433.3";
  item.step.station_ae_title = "MODALITY";
  item.step.modality = "CT";
  item.step.start_date = "20260310";
  item.step.start_time = "101500";
  return std::make_shared<InMemoryOrderSource>(std::vector<WorklistItem>{item});
}

int connect_to(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): the socket API's own types
  if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) std::abort();
  return fd;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
  ::setenv("RADLOOP_DCMTK_LOG", "off", 1);
  // A refusal is logged as a warning for nearly every input, which would cost more than the rest;
  // errors, which the server logs only for what it caught and survived, still show.
  spdlog::set_level(spdlog::level::err);
  // In memory where the machine has room for it: creating and removing files on a disk costs as
  // much as the rest of an input that stores an instance.
  std::error_code ec;
  const auto shm = std::filesystem::space("/dev/shm", ec);
  const bool roomy = !ec && shm.available >= (std::uintmax_t{512} << 20);
  const auto root = roomy ? std::filesystem::path("/dev/shm") : std::filesystem::temp_directory_path();
  storage = root / ("radloop-fuzz-association-" + std::to_string(::getpid()));
  std::atexit([] {
    std::error_code ignored;
    std::filesystem::remove_all(storage, ignored);
  });
  ServerConfig config;
  config.storage_dir = storage.string();
  config.durability = ServerConfig::Durability::none;  // the disk is not what is tested
  config.order_source = orders();
  config.acse_timeout = std::chrono::seconds(5);
  config.dimse_timeout = std::chrono::seconds(5);
  config.max_pdu_bytes = 16384;
  auto started = Server::start(std::move(config), on_event);
  if (!started) std::abort();
  server = started.value().release();  // lives as long as the process
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const int fd = connect_to(server->port());
  std::size_t sent = 0;
  while (sent < size) {
    const auto n = ::send(fd, data + sent, size - sent, MSG_NOSIGNAL);
    if (n <= 0) break;  // the server closed: what it has read decided
    sent += static_cast<std::size_t>(n);
  }
  ::shutdown(fd, SHUT_WR);
  std::array<char, 16384> buffer{};
  while (::recv(fd, buffer.data(), buffer.size(), 0) > 0) {
  }
  ::close(fd);
  // Until the server's thread is done with the connection too: the input's whole effect, and any
  // crash it causes, belongs to this call.
  ++connections;
  while (server->stats().connections_closed < connections) std::this_thread::sleep_for(std::chrono::microseconds(50));
  return 0;
}
