// Our C-STORE SCP as a process of its own, so the store benchmark measures its peak RSS the same
// way as storescp's and Orthanc's. Usage: bench_dicom_store_receiver DIR none|file|file_and_directory AE
// Prints "port N" on stdout once listening; stops on SIGTERM/SIGINT or when stdin closes, then
// prints what it stored and the records it was handed on stderr.
#include <fmt/format.h>
#include <pthread.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <string>
#include <string_view>
#include <thread>

#include "reference/dicom/server.hpp"

namespace {

using radloop::dicom::ServerConfig;

bool parse_durability(std::string_view text, ServerConfig::Durability& out) {
  if (text == "none")
    out = ServerConfig::Durability::none;
  else if (text == "file")
    out = ServerConfig::Durability::file;
  else if (text == "file_and_directory")
    out = ServerConfig::Durability::file_and_directory;
  else
    return false;
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  ServerConfig config;
  if (argc != 4 || !parse_durability(argv[2], config.durability)) {
    fmt::print(stderr, "usage: {} STORAGE_DIR none|file|file_and_directory AE_TITLE\n", argv[0]);
    return 2;
  }
  config.storage_dir = argv[1];
  config.ae_title = argv[3];
  config.offer_mpps = false;
  // Warnings and errors only, as storescp and Orthanc run by default; stdout carries the port.
  spdlog::set_level(spdlog::level::warn);

  // Blocked before any thread starts, so only sigwait below ever takes them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  // The records are produced and kept track of, as an indexer would; counting is the cheap part.
  std::atomic<std::uint64_t> records{0};
  std::atomic<std::uint64_t> record_bytes{0};
  auto server = radloop::dicom::Server::start(config, {}, [&](const radloop::dicom::InstanceRecord& r) {
    records.fetch_add(1, std::memory_order_relaxed);
    record_bytes.fetch_add(r.size_bytes, std::memory_order_relaxed);
    return radloop::Result<void>{};
  });
  if (!server) {
    fmt::print(stderr, "cannot start: {}\n", server.error().message());
    return 1;
  }
  fmt::print("port {}\n", server.value()->port());
  std::fflush(stdout);
  ::dup2(STDERR_FILENO, STDOUT_FILENO);  // the reader of the port may be gone; later output goes to stderr

  // stdin at end of file means the parent went away or is done: stop as for SIGTERM.
  std::thread stdin_watch([] {
    char buffer[256];
    while (::read(STDIN_FILENO, buffer, sizeof buffer) > 0) {
    }
    ::kill(::getpid(), SIGTERM);
  });
  stdin_watch.detach();
  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);

  server.value()->stop();
  const auto stats = server.value()->stats();
  fmt::print(stderr, "stored {} duplicates {} failures {} records {} bytes {}\n", stats.instances_stored,
             stats.duplicates, stats.store_failures, records.load(), record_bytes.load());
  return 0;
}
