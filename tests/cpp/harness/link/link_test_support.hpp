// Shared by the link tests: a real upstream server on loopback that echoes or collects what it
// gets and notes how each connection ended, and a raw client whose every read has a deadline.
#pragma once

#include <gtest/gtest.h>

#include <array>
#include <boost/asio.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "tests/cpp/mllp/test_support.hpp"

namespace radloop::harness::link::testing {

using namespace std::chrono_literals;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

// The MLLP tests' patience and polling: the proxy carries the same kind of traffic.
using mllp::testing::eventually;
using mllp::testing::kPatience;

// A TCP server on 127.0.0.1 that collects (and, echoing, sends back) every byte, on its own thread.
class Upstream {
 public:
  enum class Mode { echo, collect };

  explicit Upstream(Mode mode) : mode_(mode), acceptor_(io_, {asio::ip::make_address("127.0.0.1"), 0}) {
    accept();
    thread_ = std::thread([this] { io_.run(); });
  }
  ~Upstream() {
    asio::post(io_, [this] {
      acceptor_.close();
      for (auto& peer : peers_) peer->socket.close();
    });
    thread_.join();
  }
  Upstream(const Upstream&) = delete;
  Upstream& operator=(const Upstream&) = delete;

  [[nodiscard]] std::uint16_t port() const { return port_; }

  // Everything received, over all connections, in the order it arrived.
  [[nodiscard]] std::string received() const {
    std::lock_guard lock(mutex_);
    return received_;
  }
  [[nodiscard]] std::size_t accepted() const {
    std::lock_guard lock(mutex_);
    return accepted_;
  }
  // How each connection's reading ended: eof, connection_reset, ...
  [[nodiscard]] std::vector<boost::system::error_code> endings() const {
    std::lock_guard lock(mutex_);
    return endings_;
  }
  // Sends to every open connection.
  void send(std::string bytes) {
    asio::post(io_, [this, bytes = std::move(bytes)] {
      for (auto& peer : peers_) {
        boost::system::error_code ignored;
        asio::write(peer->socket, asio::buffer(bytes), ignored);
      }
    });
  }

 private:
  struct Peer {
    explicit Peer(tcp::socket s) : socket(std::move(s)) {}
    tcp::socket socket;
    std::array<char, 4096> buffer{};
  };

  void accept() {
    port_ = acceptor_.local_endpoint().port();
    acceptor_.async_accept([this](const boost::system::error_code& ec, tcp::socket socket) {
      if (ec) return;
      {
        std::lock_guard lock(mutex_);
        ++accepted_;
      }
      peers_.push_back(std::make_shared<Peer>(std::move(socket)));
      read(peers_.back());
      accept();
    });
  }

  void read(const std::shared_ptr<Peer>& peer) {
    peer->socket.async_read_some(asio::buffer(peer->buffer),
                                 [this, peer](const boost::system::error_code& ec, std::size_t n) {
                                   if (ec) {
                                     // Like most servers: a peer that has finished sending is closed, not kept
                                     // half-open.
                                     boost::system::error_code ignored;
                                     peer->socket.close(ignored);
                                     std::lock_guard lock(mutex_);
                                     endings_.push_back(ec);
                                     return;
                                   }
                                   {
                                     std::lock_guard lock(mutex_);
                                     received_.append(peer->buffer.data(), n);
                                   }
                                   if (mode_ == Mode::echo) {
                                     boost::system::error_code ignored;
                                     asio::write(peer->socket, asio::buffer(peer->buffer.data(), n), ignored);
                                   }
                                   read(peer);
                                 });
  }

  Mode mode_;
  asio::io_context io_;
  tcp::acceptor acceptor_;
  std::uint16_t port_ = 0;
  std::vector<std::shared_ptr<Peer>> peers_;  // io thread only
  std::thread thread_;
  mutable std::mutex mutex_;
  std::string received_;
  std::size_t accepted_ = 0;
  std::vector<boost::system::error_code> endings_;
};

// What a read saw: the bytes, and why it stopped (eof, connection_reset, timed_out, or none).
struct ReadOutcome {
  std::string bytes;
  boost::system::error_code ending;
};

// A client that does exactly what the test says on the wire; every read gives up after a deadline.
class RawClient {
 public:
  explicit RawClient(std::uint16_t port) : socket_(io_) {
    socket_.connect({asio::ip::make_address("127.0.0.1"), port});
    socket_.set_option(tcp::no_delay(true));
  }

  // Connects, or says why not (connection_refused, ...).
  static boost::system::error_code try_connect(std::uint16_t port) {
    asio::io_context io;
    tcp::socket socket(io);
    boost::system::error_code ec;
    socket.connect({asio::ip::make_address("127.0.0.1"), port}, ec);
    return ec;
  }

  void write(std::string_view bytes) { asio::write(socket_, asio::buffer(bytes)); }
  void shutdown_send() { socket_.shutdown(tcp::socket::shutdown_send); }
  void close() { socket_.close(); }

  // Reads until `count` bytes came, the connection ended, or the deadline passed.
  ReadOutcome read(std::size_t count, std::chrono::milliseconds deadline = kPatience) {
    ReadOutcome outcome;
    const auto until = std::chrono::steady_clock::now() + deadline;
    while (outcome.bytes.size() < count) {
      const auto left = until - std::chrono::steady_clock::now();
      if (left <= std::chrono::steady_clock::duration::zero()) {
        outcome.ending = asio::error::timed_out;
        break;
      }
      std::array<char, 4096> buffer{};
      std::optional<boost::system::error_code> result;
      std::size_t n = 0;
      socket_.async_read_some(asio::buffer(buffer), [&](const boost::system::error_code& ec, std::size_t got) {
        result = ec;
        n = got;
      });
      io_.restart();
      io_.run_for(left);
      if (!result) {
        socket_.cancel();
        io_.restart();
        io_.run();
        outcome.ending = asio::error::timed_out;
        break;
      }
      outcome.bytes.append(buffer.data(), n);
      if (*result) {
        outcome.ending = *result;
        break;
      }
    }
    return outcome;
  }

  // Reads until the connection ends (or the deadline passes).
  ReadOutcome read_until_closed(std::chrono::milliseconds deadline = kPatience) {
    return read(std::numeric_limits<std::size_t>::max(), deadline);
  }

 private:
  asio::io_context io_;
  tcp::socket socket_;
};

}  // namespace radloop::harness::link::testing
