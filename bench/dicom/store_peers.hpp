// The C-STORE receivers the store benchmark compares, each run as a process of its own in a fresh
// folder: our SCP (bench_dicom_store_receiver), DCMTK's storescp and Orthanc. Peak RSS is read
// from /proc the same way for all three: the largest VmHWM of the receiver's processes, or the
// largest sum of their VmRSS seen while sampling every 5 ms (storescp --fork runs one process per
// association). wait4's ru_maxrss cannot serve: a posix_spawn child inherits the benchmark's own.
#pragma once

#include <fcntl.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "reference/dicom/echo_scu.hpp"

extern char** environ;  // NOLINT: POSIX

namespace radloop::bench {

namespace fs = std::filesystem;

// ours_pipeline: the whole reference pipeline, durable, indexing each instance in SQLite and
// reconciling each study as it arrives, the same work Orthanc's index does and more.
enum class ReceiverKind { ours_none, ours_durable, ours_pipeline, storescp, orthanc };

inline const char* name_of(ReceiverKind kind) {
  switch (kind) {
    case ReceiverKind::ours_none: return "radloop_none";
    case ReceiverKind::ours_durable: return "radloop_file_and_directory";
    case ReceiverKind::ours_pipeline: return "radloop_pipeline";
    case ReceiverKind::storescp: return "dcmtk_storescp";
    case ReceiverKind::orthanc: return "orthanc";
  }
  return "?";
}

// A port nobody listens on right now (the tools cannot report an ephemeral one).
inline std::uint16_t free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  std::uint16_t port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), length) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0)
    port = ntohs(address.sin_port);
  ::close(fd);
  return port;
}

// Orthanc 1.10 with everything but the DICOM server off; index (SQLite) and storage in the folder.
// SyncStorageArea (fsync of each file, the default) is kept: it is compared with our durable mode.
inline void write_orthanc_config(const fs::path& file, const fs::path& dir, std::uint16_t port) {
  std::ofstream out(file);
  out << fmt::format(R"({{
  "Name" : "radloop-bench",
  "StorageDirectory" : "{0}/storage",
  "IndexDirectory" : "{0}/index",
  "StorageCompression" : false,
  "SyncStorageArea" : true,
  "Plugins" : [],
  "HttpServerEnabled" : false,
  "RemoteAccessAllowed" : false,
  "AuthenticationEnabled" : false,
  "DicomServerEnabled" : true,
  "DicomAet" : "ORTHANC",
  "DicomPort" : {1},
  "DicomCheckCalledAet" : false,
  "DicomAlwaysAllowEcho" : true,
  "DicomAlwaysAllowStore" : true,
  "DicomThreadsCount" : 4,
  "SaveJobs" : false
}}
)",
                     dir.string(), port);
}

// Largest VmHWM of one process and largest VmRSS summed over the process and its children.
class RssSampler {
 public:
  explicit RssSampler(pid_t pid) : pid_(pid), thread_([this] { run(); }) {}
  ~RssSampler() { finish(); }
  RssSampler(const RssSampler&) = delete;
  RssSampler& operator=(const RssSampler&) = delete;

  // Takes a last sample (the process must still exist) and stops; the peak in bytes.
  std::uint64_t finish() {
    if (thread_.joinable()) {
      done_ = true;
      thread_.join();
      sample();
    }
    return std::max(max_hwm_kib_, max_sum_kib_) * 1024U;
  }

 private:
  // "VmHWM:    1234 kB" -> 1234; 0 when the process is gone.
  static std::uint64_t status_kib(pid_t pid, const char* field) {
    std::ifstream in(fmt::format("/proc/{}/status", pid));
    std::string line;
    const std::string prefix = std::string(field) + ":";
    while (std::getline(in, line)) {
      if (line.rfind(prefix, 0) == 0) return std::strtoull(line.c_str() + prefix.size(), nullptr, 10);
    }
    return 0;
  }
  void sample() {
    std::vector<pid_t> pids{pid_};
    std::ifstream children(fmt::format("/proc/{0}/task/{0}/children", pid_));
    for (pid_t child = 0; children >> child;) pids.push_back(child);
    std::uint64_t sum = 0;
    for (pid_t p : pids) {
      max_hwm_kib_ = std::max(max_hwm_kib_, status_kib(p, "VmHWM"));
      sum += status_kib(p, "VmRSS");
    }
    max_sum_kib_ = std::max(max_sum_kib_, sum);
  }
  void run() {
    while (!done_) {
      sample();
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }

  pid_t pid_;
  std::atomic<bool> done_{false};
  std::uint64_t max_hwm_kib_ = 0;
  std::uint64_t max_sum_kib_ = 0;
  std::thread thread_;
};

class ReceiverProcess {
 public:
  // Starts the receiver storing into dir (created) and waits until it answers a C-ECHO.
  // receiver_binary: our receiver's path; the tools are looked up on PATH.
  static std::unique_ptr<ReceiverProcess> start(ReceiverKind kind, const fs::path& dir,
                                                const std::string& receiver_binary) {
    auto owner = std::make_unique<ReceiverProcess>();
    auto& p = *owner;
    fs::create_directories(dir / "out");
    const std::string out = (dir / "out").string();
    p.port_ = free_port();
    const auto port_text = std::to_string(p.port_);
    std::vector<std::string> args;
    switch (kind) {
      case ReceiverKind::ours_none:
      case ReceiverKind::ours_durable:
      case ReceiverKind::ours_pipeline:
        p.ae_ = "RADLOOP";
        args = {receiver_binary, out,
                kind == ReceiverKind::ours_none      ? "none"
                : kind == ReceiverKind::ours_durable ? "file_and_directory"
                                                     : "pipeline",
                p.ae_};
        break;
      case ReceiverKind::storescp:
        // --fork: one process per association, so four associations are received at once as by
        // the other two (without it storescp serves them one after the other).
        p.ae_ = "STORESCP";
        args = {"storescp", "--fork", "-aet", p.ae_, "-od", out, port_text};
        break;
      case ReceiverKind::orthanc:
        p.ae_ = "ORTHANC";
        write_orthanc_config(dir / "orthanc.json", out, p.port_);
        args = {"Orthanc", (dir / "orthanc.json").string()};
        break;
    }
    // Our receiver prints its port on stdout and runs until stdin closes; the tools log to a file.
    int to_child[2] = {-1, -1};
    int from_child[2] = {-1, -1};
    if (::pipe2(to_child, O_CLOEXEC) != 0 || ::pipe2(from_child, O_CLOEXEC) != 0) return nullptr;
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, to_child[0], STDIN_FILENO);
    const bool ours =
        kind == ReceiverKind::ours_none || kind == ReceiverKind::ours_durable || kind == ReceiverKind::ours_pipeline;
    const auto log = (dir / "receiver.log").string();
    if (ours) {
      posix_spawn_file_actions_adddup2(&actions, from_child[1], STDOUT_FILENO);
    } else {
      posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    }
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    const int spawned = ::posix_spawnp(&p.pid_, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(to_child[0]);
    ::close(from_child[1]);
    p.stdin_ = to_child[1];
    if (spawned != 0) {
      p.pid_ = -1;
      ::close(from_child[0]);
      return nullptr;
    }
    if (ours) {  // a line "port N"
      std::string line;
      char c = 0;
      while (::read(from_child[0], &c, 1) == 1) {
        if (c != '\n') {
          line += c;
          continue;
        }
        if (line.rfind("port ", 0) == 0) {
          p.port_ = static_cast<std::uint16_t>(std::stoi(line.substr(5)));
          break;
        }
        line.clear();
      }
    }
    ::close(from_child[0]);
    p.sampler_ = std::make_unique<RssSampler>(p.pid_);
    for (int i = 0; i < 500; ++i) {  // up to ~10 s: Orthanc creates its database first
      if (dicom::echo(dicom::EchoRequest{"127.0.0.1", p.port_, "BENCHSCU", p.ae_})) return owner;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return nullptr;  // the destructor stops what did start
  }

  ReceiverProcess() = default;
  ReceiverProcess(const ReceiverProcess&) = delete;
  ReceiverProcess& operator=(const ReceiverProcess&) = delete;
  ~ReceiverProcess() { stop(); }

  [[nodiscard]] std::uint16_t port() const { return port_; }
  [[nodiscard]] const std::string& ae_title() const { return ae_; }

  // Stops it and returns its peak resident set in bytes.
  std::uint64_t stop() {
    if (pid_ <= 0) return 0;
    const std::uint64_t peak = sampler_ ? sampler_->finish() : 0;
    ::kill(pid_, SIGTERM);
    if (stdin_ >= 0) ::close(stdin_);
    stdin_ = -1;
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    // storescp --fork children it had not reaped come to us (the benchmark is a subreaper).
    while (::waitpid(-1, &status, WNOHANG) > 0) {
    }
    return peak;
  }

 private:
  pid_t pid_ = -1;
  int stdin_ = -1;
  std::uint16_t port_ = 0;
  std::string ae_;
  std::unique_ptr<RssSampler> sampler_;
};

}  // namespace radloop::bench
