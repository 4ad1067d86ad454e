// Test helpers for talking to DCMTK's own tools: a free port, and a tool run as a child process
// for the length of a test.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdint>
#include <string>
#include <vector>

namespace radloop::modality::testing {

// A port nothing listens on right now (the kernel's pick for a socket closed at once); for tools
// that cannot report an ephemeral port of their own.
inline std::uint16_t free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);  // NOLINT: POSIX sockets
  socklen_t length = sizeof address;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);  // NOLINT: POSIX sockets
  ::close(fd);
  return ntohs(address.sin_port);
}

// A program from PATH, started now and sent SIGTERM (then reaped) at the end of the scope.
class PeerProcess {
 public:
  explicit PeerProcess(std::vector<std::string> args) : args_(std::move(args)) {
    std::vector<char*> argv;  // built before fork: the child of a threaded process only execs
    for (auto& a : args_) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_ = ::fork();
    if (pid_ == 0) {
      ::execvp(argv[0], argv.data());
      ::_exit(127);
    }
  }
  ~PeerProcess() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    ::waitpid(pid_, nullptr, 0);
  }
  PeerProcess(const PeerProcess&) = delete;
  PeerProcess& operator=(const PeerProcess&) = delete;

 private:
  std::vector<std::string> args_;
  pid_t pid_ = -1;
};

}  // namespace radloop::modality::testing
