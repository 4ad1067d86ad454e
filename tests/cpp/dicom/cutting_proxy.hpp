// A TCP proxy for one connection that cuts it after a set number of bytes: a peer that dies mid-transfer.
#pragma once

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <thread>

namespace radloop::dicom::test_support {

// Forwards one connection to the server and cuts it (both ways) once `limit` bytes went upstream:
// an association that dies in the middle of a data set, at the same byte every run. With
// Cut::reset the server's side is closed with SO_LINGER 0, so it sees a TCP RST, not a FIN.
class CuttingProxy {
 public:
  enum class Cut { close, reset };
  CuttingProxy(std::uint16_t upstream_port, std::size_t limit, Cut cut = Cut::close) : limit_(limit), cut_(cut) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof addr;
    EXPECT_EQ(::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    EXPECT_EQ(::listen(listen_fd_, 1), 0);
    EXPECT_EQ(::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &length), 0);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this, upstream_port] { run(upstream_port); });
  }
  ~CuttingProxy() {
    thread_.join();
    ::close(listen_fd_);
  }
  CuttingProxy(const CuttingProxy&) = delete;
  CuttingProxy& operator=(const CuttingProxy&) = delete;
  [[nodiscard]] std::uint16_t port() const { return port_; }
  std::size_t forwarded = 0;

 private:
  void run(std::uint16_t upstream_port) {
    const int client = ::accept(listen_fd_, nullptr, nullptr);
    const int server = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(upstream_port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(server, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) pump(client, server);
    if (cut_ == Cut::reset) {
      const linger abortive{1, 0};
      ::setsockopt(server, SOL_SOCKET, SO_LINGER, &abortive, sizeof abortive);
    }
    ::close(server);
    ::close(client);
  }
  void pump(int client, int server) {
    std::array<char, 16384> buffer{};
    while (forwarded < limit_) {
      std::array<pollfd, 2> fds{pollfd{client, POLLIN, 0}, pollfd{server, POLLIN, 0}};
      if (::poll(fds.data(), fds.size(), -1) <= 0) return;
      if (fds[1].revents != 0) {
        const auto n = ::read(server, buffer.data(), buffer.size());
        if (n <= 0 || ::write(client, buffer.data(), static_cast<std::size_t>(n)) != n) return;
      }
      if (fds[0].revents != 0) {
        const auto n = ::read(client, buffer.data(), std::min(buffer.size(), limit_ - forwarded));
        if (n <= 0 || ::write(server, buffer.data(), static_cast<std::size_t>(n)) != n) return;
        forwarded += static_cast<std::size_t>(n);
      }
    }
  }

  std::size_t limit_;
  Cut cut_;
  int listen_fd_ = -1;
  std::uint16_t port_ = 0;
  std::thread thread_;
};

}  // namespace radloop::dicom::test_support
