// Shared by the MLLP tests: an echo server, a raw socket peer that can half-close, a bounded
// wait for a condition, and a capture of what the server logs.
#pragma once

#include <gtest/gtest.h>
#include <spdlog/sinks/ringbuffer_sink.h>
#include <spdlog/spdlog.h>

#include <array>
#include <boost/asio.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "reference/mllp/client.hpp"
#include "reference/mllp/server.hpp"

namespace radloop::mllp::testing {

using namespace std::chrono_literals;

// Generous, because the sanitizer build on two shared cores is slow; never a performance bound.
inline constexpr std::chrono::milliseconds kPatience{20'000};

inline std::unique_ptr<Server> start_echo_server(ServerConfig config = {}) {
  auto server = Server::start(std::move(config), [](const InboundMessage& m) { return "ACK:" + m.payload; });
  EXPECT_TRUE(server.ok()) << server.error().message();
  return std::move(server).value();
}

// A loopback port nothing listens on: a server took it and has stopped.
inline std::uint16_t closed_port() {
  auto server = start_echo_server();
  return server->port();
}

inline ClientConfig client_config(std::uint16_t port, std::chrono::milliseconds reply_timeout = kPatience) {
  ClientConfig config;
  config.port = port;
  config.connect_timeout = kPatience;
  config.reply_timeout = reply_timeout;
  return config;
}

inline std::unique_ptr<Client> connect_to(const Server& server, std::chrono::milliseconds reply_timeout = kPatience) {
  auto client = Client::connect(client_config(server.port(), reply_timeout));
  EXPECT_TRUE(client.ok()) << client.error().message();
  return std::move(client).value();
}

// Polls until the condition holds; false if it never does within kPatience.
inline bool eventually(const std::function<bool()>& condition) {
  const auto deadline = std::chrono::steady_clock::now() + kPatience;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(2ms);
  }
  return true;
}

// A TCP peer that does exactly what the test says on the wire, including a half-close.
class RawPeer {
 public:
  // `from`: the local address to connect from (any 127.x.y.z is this host on Linux), so one test
  // can be several peers.
  explicit RawPeer(std::uint16_t port, const char* from = "127.0.0.1") : socket_(io_) {
    socket_.open(boost::asio::ip::tcp::v4());
    socket_.bind({boost::asio::ip::make_address(from), 0});
    socket_.connect({boost::asio::ip::make_address("127.0.0.1"), port});
    socket_.set_option(boost::asio::ip::tcp::no_delay(true));
  }

  void write(std::string_view bytes) { boost::asio::write(socket_, boost::asio::buffer(bytes)); }
  void shutdown_send() { socket_.shutdown(boost::asio::ip::tcp::socket::shutdown_send); }
  void close() { socket_.close(); }

  // Everything the server sends until it closes the connection (or kPatience passes).
  std::string read_until_closed() {
    std::string received;
    std::array<char, 4096> buffer{};
    const auto deadline = std::chrono::steady_clock::now() + kPatience;
    bool open = true;
    while (open && std::chrono::steady_clock::now() < deadline) {
      socket_.async_read_some(boost::asio::buffer(buffer), [&](boost::system::error_code ec, std::size_t n) {
        received.append(buffer.data(), n);
        if (ec) open = false;
      });
      io_.restart();
      io_.run_until(deadline);
    }
    if (open) {  // out of patience: let the pending read end before its buffer goes
      socket_.cancel();
      io_.restart();
      io_.run();
    }
    return received;
  }

 private:
  boost::asio::io_context io_;
  boost::asio::ip::tcp::socket socket_;
};

// Routes spdlog's default logger into memory for the test's lifetime.
class LogCapture {
 public:
  LogCapture() : sink_(std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(256)), previous_(spdlog::default_logger()) {
    auto logger = std::make_shared<spdlog::logger>("capture", sink_);
    logger->set_level(spdlog::level::trace);
    spdlog::set_default_logger(logger);
  }
  ~LogCapture() { spdlog::set_default_logger(previous_); }
  LogCapture(const LogCapture&) = delete;
  LogCapture& operator=(const LogCapture&) = delete;

  [[nodiscard]] bool contains(std::string_view text) const {
    for (const auto& line : sink_->last_formatted()) {
      if (line.find(text) != std::string::npos) return true;
    }
    return false;
  }

 private:
  std::shared_ptr<spdlog::sinks::ringbuffer_sink_mt> sink_;
  std::shared_ptr<spdlog::logger> previous_;
};

}  // namespace radloop::mllp::testing
