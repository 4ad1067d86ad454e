// The reference pipeline as a child process (see pipeline_process.hpp).
#include "harness/cli/pipeline_process.hpp"

#include <fmt/format.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <charconv>
#include <chrono>
#include <map>
#include <sstream>
#include <vector>

namespace radloop::cli {
namespace {

constexpr auto kStartPatience = std::chrono::milliseconds(60'000);

// A loopback port free a moment ago, for the simulators to listen on where the process sends.
Result<std::uint16_t> free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return Error{Errc::bind_failed, "127.0.0.1", "cannot open a socket"};
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t size = sizeof address;
  const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&address), size) == 0 &&
                  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size) == 0;
  ::close(fd);
  if (!ok) return Error{Errc::bind_failed, "127.0.0.1", "cannot find a free port"};
  return ntohs(address.sin_port);
}

}  // namespace

Result<std::unique_ptr<PipelineProcess>> PipelineProcess::start() {
  std::unique_ptr<PipelineProcess> p(new PipelineProcess());
  p->folder_ = std::make_unique<harness::ScratchDir>();
  if (p->folder_->path().empty())
    return Error{Errc::io_failed, "temporary folder", "cannot create one for the process"};
  auto ris = free_port();
  auto ehr = free_port();
  if (!ris) return ris.error();
  if (!ehr) return ehr.error();
  const auto images = p->folder_->path() / "images";
  std::filesystem::create_directories(images);
  std::vector<std::string> args{"--log-level",
                                "error",
                                "pipeline",
                                "--store",
                                (p->folder_->path() / "radloop.db").string(),
                                "--storage-dir",
                                images.string(),
                                "--ris",
                                fmt::format("127.0.0.1:{}", ris.value()),
                                "--ehr",
                                fmt::format("127.0.0.1:{}", ehr.value()),
                                "--http-port",
                                "0"};
  auto child = ChildProcess::start(args);
  if (!child) return child.error();
  p->child_ = std::move(child).value();
  const auto line = p->child_->first_line(kStartPatience);
  if (line.rfind("ready ", 0) != 0) {
    return Error{Errc::connect_failed, "radloop pipeline",
                 line.empty() ? std::string("the process ended or stayed silent before it was ready")
                              : "the process did not start: " + line};
  }
  // "ready mllp=N dicom=N ae=AE http=N"
  std::map<std::string, std::string> fields;
  std::istringstream words(line.substr(6));
  for (std::string word; words >> word;) {
    const auto eq = word.find('=');
    if (eq != std::string::npos) fields[word.substr(0, eq)] = word.substr(eq + 1);
  }
  const auto port = [&](const char* key) -> std::uint16_t {
    unsigned value = 0;
    const auto& text = fields[key];
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    return ec == std::errc() && end == text.data() + text.size() && value <= 65535 ? static_cast<std::uint16_t>(value)
                                                                                   : 0;
  };
  if (port("mllp") == 0 || port("dicom") == 0 || port("http") == 0)
    return Error{Errc::connect_failed, "radloop pipeline", "its ready line names no ports: " + line};
  auto& e = p->endpoints_;
  e.name = "reference process";
  e.address.host = "127.0.0.1";
  e.address.mllp_port = port("mllp");
  e.address.dicom_port = port("dicom");
  e.address.ae_title = fields["ae"];
  e.ris_listen_port = ris.value();
  e.ehr_listen_port = ehr.value();
  e.c_find = true;
  e.radloop_api = fmt::format("http://127.0.0.1:{}", port("http"));
  e.fhir = e.radloop_api + "/fhir";
  p->drain_ = std::thread([fd = p->child_->output()] {
    std::array<char, 4096> buffer{};
    while (::read(fd, buffer.data(), buffer.size()) > 0) {
    }
  });
  return p;
}

Result<SutChoice> choose_sut(const std::string& sut) {
  SutChoice choice;
  if (sut.empty() || sut == "reference") return choice;
  if (sut == "process") {
    auto process = PipelineProcess::start();
    if (!process) return process.error();
    choice.endpoints = process.value()->endpoints();
    choice.process = std::move(process).value();
    return choice;
  }
  auto loaded = harness::load_endpoints(sut);
  if (!loaded) return loaded.error();
  choice.endpoints = std::move(loaded).value();
  choice.endpoints_file = sut;
  return choice;
}

PipelineProcess::~PipelineProcess() {
  child_.reset();                        // SIGTERM, and waits
  if (drain_.joinable()) drain_.join();  // the process is gone: its stdout is at end of file
}

}  // namespace radloop::cli
