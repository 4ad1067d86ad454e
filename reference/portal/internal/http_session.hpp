// One connection of the portal's HTTP server, on its own strand:
//
//   [TLS handshake --fails or too slow--> close]
//       |
//   read header --bad--> 4xx, close          (400 malformed, 408 too slow, 413 too large, 431 headers)
//       | ok
//   browser check --refused--> 403            (another site's page, or a Host not this machine)
//       | ok
//   check access --no--> 401 (close if a body was coming)
//       | ok
//   [100 Continue] --> read body --> handler --> write --keep-alive--> read header ...
//                                                  |
//                                                  +--close--> shut down sending, drop input, close
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

#include "reference/portal/http_server.hpp"

namespace radloop::portal::internal {

// Counts events that are logged at most every ten seconds: a flood must not flood the log too.
class LogThrottle {
 public:
  // Counts one; returns how many to log now (0: logged less than ten seconds ago).
  std::uint64_t count() {
    std::lock_guard lock(mutex_);
    ++unlogged_;
    const auto now = std::chrono::steady_clock::now();
    if (logged_ && now - last_ < std::chrono::seconds(10)) return 0;
    logged_ = true;
    last_ = now;
    return std::exchange(unlogged_, 0);
  }

 private:
  std::mutex mutex_;
  std::uint64_t unlogged_ = 0;
  bool logged_ = false;
  std::chrono::steady_clock::time_point last_;
};

// What every session of one server shares. The live count lets stop() wait for the last session
// and lets the acceptor resume once a connection below the limit frees up.
struct ServerState {
  ServerState(HttpServerConfig c, HttpHandler h) : config(std::move(c)), handler(std::move(h)) {}

  HttpServerConfig config;
  HttpHandler handler;
  std::mutex mutex;
  std::condition_variable changed;
  std::size_t live_sessions = 0;                 // guarded by mutex
  std::map<std::string, std::size_t> per_peer;   // open connections by address; guarded by mutex
  std::function<void()> on_session_ended;        // set before the first accept, never changed after
  std::optional<boost::asio::ssl::context> tls;  // likewise; set: every connection is TLS
  LogThrottle refusals;                          // connections past the per-address cap
  LogThrottle handshakes_failed;                 // TLS handshakes that failed or took too long

  // Counts a new connection from `address`; false, and nothing counted, past the per-peer cap.
  bool admit(const std::string& address) {
    std::lock_guard lock(mutex);
    auto& open = per_peer[address];
    if (open >= config.max_connections_per_peer) return false;
    ++open;
    ++live_sessions;
    return true;
  }
  void session_ended(const std::string& address) {
    {
      std::lock_guard lock(mutex);
      --live_sessions;
      if (--per_peer[address] == 0) per_peer.erase(address);
    }
    changed.notify_all();
    on_session_ended();
  }
  std::size_t live() {
    std::lock_guard lock(mutex);
    return live_sessions;
  }
};

// What the listener may ask of a live connection. Each posts onto the connection's strand and
// returns at once.
class Connection {
 public:
  Connection() = default;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  Connection(Connection&&) = delete;
  Connection& operator=(Connection&&) = delete;
  virtual ~Connection() = default;
  // Begins serving: the TLS handshake or the first request.
  virtual void start() = 0;
  // stop() asked: close when idle, else after answering the request under way.
  virtual void drain() = 0;
  // The drain timeout passed: close now.
  virtual void close_now() = 0;
};

// Serves an accepted connection until it closes, over TLS when server.tls is set; the connection
// keeps itself alive meanwhile. Null, and the socket closed, when its address already has
// max_connections_per_peer open.
std::shared_ptr<Connection> serve(ServerState& server, boost::asio::ip::tcp::socket socket);

}  // namespace radloop::portal::internal
