// One connection of the portal's HTTP server, on its own strand:
//
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
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>

#include "reference/portal/http_server.hpp"

namespace radloop::portal::internal {

// What every session of one server shares. The live count lets stop() wait for the last session
// and lets the acceptor resume once a connection below the limit frees up.
struct ServerState {
  ServerState(HttpServerConfig c, HttpHandler h) : config(std::move(c)), handler(std::move(h)) {}

  HttpServerConfig config;
  HttpHandler handler;
  std::mutex mutex;
  std::condition_variable changed;
  std::size_t live_sessions = 0;           // guarded by mutex
  std::function<void()> on_session_ended;  // set before the first accept, never changed after

  void session_started() {
    std::lock_guard lock(mutex);
    ++live_sessions;
  }
  void session_ended() {
    {
      std::lock_guard lock(mutex);
      --live_sessions;
    }
    changed.notify_all();
    on_session_ended();
  }
  std::size_t live() {
    std::lock_guard lock(mutex);
    return live_sessions;
  }
};

// What the listener may ask of a live connection. Both post onto the connection's strand and
// return at once.
class Connection {
 public:
  Connection() = default;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  Connection(Connection&&) = delete;
  Connection& operator=(Connection&&) = delete;
  virtual ~Connection() = default;
  // stop() asked: close when idle, else after answering the request under way.
  virtual void drain() = 0;
  // The drain timeout passed: close now.
  virtual void close_now() = 0;
};

// Serves an accepted connection until it closes; the connection keeps itself alive meanwhile.
std::shared_ptr<Connection> serve(ServerState& server, boost::asio::ip::tcp::socket socket);

}  // namespace radloop::portal::internal
