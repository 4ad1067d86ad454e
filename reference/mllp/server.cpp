// MLLP server: the acceptor, the server threads, and stop()'s drain across every connection.
#include "reference/mllp/server.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <boost/asio.hpp>
#include <optional>
#include <thread>
#include <vector>

#include "reference/mllp/internal/peer_filter.hpp"
#include "reference/mllp/internal/session.hpp"
#include "reference/tls/context.hpp"

namespace radloop::mllp {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using internal::Session;
using internal::SessionControl;

class Server::Impl {
 public:
  Impl(ServerConfig config, MessageHandler handler)
      : state_(std::move(config), std::move(handler)),
        acceptor_(asio::make_strand(io_)),
        retry_(acceptor_.get_executor()) {}

  Result<void> listen() {
    const auto& config = state_.config;
    auto filter = internal::PeerFilter::parse(config.allowed_peers);
    if (!filter) return filter.error();
    peer_filter_ = std::move(filter).value();
    if (config.tls) {
      auto context = tls::make_server_context(*config.tls);
      if (!context) return context.error();
      tls_context_.emplace(std::move(context).value());
    }
    boost::system::error_code ec;
    const auto address = asio::ip::make_address(config.bind_address, ec);
    if (ec) return Error{Errc::invalid_config, "bind_address", config.bind_address + ": " + ec.message()};
    const tcp::endpoint endpoint(address, config.port);
    const auto where = config.bind_address + ":" + std::to_string(config.port);
    if (acceptor_.open(endpoint.protocol(), ec); ec) return Error{Errc::bind_failed, where, ec.message()};
    acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
    if (acceptor_.bind(endpoint, ec); ec) return Error{Errc::bind_failed, where, ec.message()};
    if (acceptor_.listen(asio::socket_base::max_listen_connections, ec); ec) {
      return Error{Errc::bind_failed, where, ec.message()};
    }
    port_ = acceptor_.local_endpoint().port();
    asio::post(acceptor_.get_executor(), [this] { accept(); });
    for (unsigned i = 0; i < std::max(1U, config.threads); ++i) {
      threads_.emplace_back([this] {
        // Nothing may escape a server thread: log what a completion threw and keep serving.
        while (true) {
          try {
            io_.run();
            return;
          } catch (const std::exception& e) {
            spdlog::error("mllp: a server task failed: {}; the server keeps running", e.what());
          } catch (...) {
            spdlog::error("mllp: a server task failed; the server keeps running");
          }
        }
      });
    }
    spdlog::info("mllp: listening on {}:{}{}", config.bind_address, port_, config.tls ? " (TLS)" : "");
    return {};
  }

  void stop(std::chrono::milliseconds drain_timeout) {
    std::lock_guard once(stop_mutex_);  // a second caller waits for the first stop to finish
    if (stopped_) return;
    stopped_ = true;
    // On the acceptor's strand, so no connection can be accepted after the drain was asked for.
    asio::post(acceptor_.get_executor(), [this] {
      accepting_ = false;
      boost::system::error_code ignored;
      acceptor_.close(ignored);
      retry_.cancel();
      for (const auto& session : live_sessions()) session->drain();
      {
        std::lock_guard lock(state_.mutex);
        drain_requested_ = true;
      }
      state_.changed.notify_all();
    });
    {
      std::unique_lock lock(state_.mutex);
      const bool drained = state_.changed.wait_for(lock, drain_timeout,
                                                   [this] { return drain_requested_ && state_.live_sessions == 0; });
      if (!drained) {
        spdlog::warn("mllp: {} connection(s) still busy after the {} ms drain timeout; cutting them",
                     state_.live_sessions, drain_timeout.count());
        lock.unlock();
        for (const auto& session : live_sessions()) session->close_now();
      }
    }
    work_.reset();
    for (auto& t : threads_) t.join();
    threads_.clear();
    spdlog::info("mllp: stopped listening on {}:{}", state_.config.bind_address, port_);
  }

  [[nodiscard]] std::uint16_t port() const { return port_; }

  [[nodiscard]] ServerStats stats() const {
    const auto& c = state_.counters;
    // Named, so that a field added to one struct cannot silently land in another's place.
    return ServerStats{.connections_accepted = c.connections_accepted,
                       .messages_received = c.messages_received,
                       .replies_sent = c.replies_sent,
                       .bytes_discarded = c.bytes_discarded,
                       .connections_dropped = c.connections_dropped,
                       .connections_refused = c.connections_refused,
                       .tls_handshakes_failed = c.tls_handshakes_failed,
                       .drained_replies = c.drained_replies,
                       .idle_connections_closed_at_stop = c.idle_connections_closed_at_stop,
                       .connections_cut_at_drain_timeout = c.connections_cut_at_drain_timeout};
  }

  [[nodiscard]] std::chrono::milliseconds drain_timeout() const { return state_.config.drain_timeout; }

 private:
  // Runs on the acceptor's strand.
  void accept() {
    if (!accepting_) return;
    // Each connection gets its own strand: its reads, writes, timer and drain never run concurrently.
    acceptor_.async_accept(asio::make_strand(io_), [this](boost::system::error_code ec, tcp::socket socket) {
      if (!accepting_) return;  // stopping: a connection accepted in the race is closed with the socket
      if (ec) {
        // Out of descriptors or a connection reset before it was taken: try again shortly rather
        // than spinning or giving up on listening.
        spdlog::warn("mllp: accept failed on port {}: {}", port_, ec.message());
        retry_.expires_after(std::chrono::milliseconds(100));
        retry_.async_wait([this](boost::system::error_code waited) {
          if (!waited) accept();
        });
        return;
      }
      if (auto refused = over_limit(socket)) {
        ++state_.counters.connections_refused;
        log_refusal(*refused);
        boost::system::error_code ignored;
        socket.close(ignored);
        accept();
        return;
      }
      ++state_.counters.connections_accepted;
      std::shared_ptr<SessionControl> session;
      if (tls_context_) {
        auto tls = std::make_shared<Session<internal::TlsStream>>(state_, std::move(socket), *tls_context_);
        tls->start();
        session = std::move(tls);
      } else {
        auto plain = std::make_shared<Session<internal::PlainStream>>(state_, std::move(socket));
        plain->start();
        session = std::move(plain);
      }
      {
        std::lock_guard lock(state_.mutex);
        std::erase_if(sessions_, [](const auto& weak) { return weak.expired(); });
        sessions_.push_back(session);
      }
      accept();
    });
  }

  // Why this connection may not stay, or nothing. On the acceptor's strand, where sessions are
  // made, so the counts cannot change between the check and the session.
  std::optional<std::string> over_limit(const tcp::socket& socket) {
    boost::system::error_code ec;
    const auto remote = socket.remote_endpoint(ec).address();
    if (ec) return fmt::format("the peer's address cannot be read ({})", ec.message());
    const auto address = remote.to_string();
    if (!peer_filter_.allows(remote)) return fmt::format("{} is not in allowed_peers", address);
    const auto& config = state_.config;
    std::lock_guard lock(state_.mutex);
    if (state_.live_sessions >= config.max_connections) {
      return fmt::format("{} connections are open, the limit (max_connections)", state_.live_sessions);
    }
    const auto from_peer = state_.per_peer.find(address);
    if (from_peer != state_.per_peer.end() && from_peer->second >= config.max_connections_per_peer) {
      return fmt::format("{} connections from {} are open, the limit (max_connections_per_peer)", from_peer->second,
                         address);
    }
    return std::nullopt;
  }

  // A flood is refused a thousand times a second: one line per second says so, with the count.
  void log_refusal(const std::string& why) {
    const auto now = std::chrono::steady_clock::now();
    ++refusals_since_log_;
    if (now - last_refusal_log_ < std::chrono::seconds(1)) return;
    spdlog::warn("mllp: refused {} connection(s) on port {}: {}", refusals_since_log_, port_, why);
    refusals_since_log_ = 0;
    last_refusal_log_ = now;
  }

  std::vector<std::shared_ptr<SessionControl>> live_sessions() {
    std::vector<std::shared_ptr<SessionControl>> live;
    std::lock_guard lock(state_.mutex);
    for (const auto& weak : sessions_) {
      if (auto session = weak.lock()) live.push_back(std::move(session));
    }
    return live;
  }

  // Sessions refer to state_, so it is declared before io_ and outlives every handler.
  internal::ServerState state_;
  std::optional<asio::ssl::context> tls_context_;
  std::vector<std::weak_ptr<SessionControl>> sessions_;  // guarded by state_.mutex
  bool drain_requested_ = false;                         // guarded by state_.mutex
  asio::io_context io_;
  tcp::acceptor acceptor_;
  asio::steady_timer retry_;
  bool accepting_ = true;  // touched on the acceptor's strand only, as are the two below
  std::uint64_t refusals_since_log_ = 0;
  internal::PeerFilter peer_filter_;  // set in listen(), read on the acceptor's strand
  std::chrono::steady_clock::time_point last_refusal_log_{};
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_{io_.get_executor()};
  std::vector<std::thread> threads_;
  std::mutex stop_mutex_;
  bool stopped_ = false;
  std::uint16_t port_ = 0;
};

Result<std::unique_ptr<Server>> Server::start(ServerConfig config, MessageHandler handler) {
  auto impl = std::make_unique<Impl>(std::move(config), std::move(handler));
  if (auto listening = impl->listen(); !listening) return listening.error();
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Server::~Server() { stop(); }
std::uint16_t Server::port() const { return impl_->port(); }
ServerStats Server::stats() const { return impl_->stats(); }
void Server::stop() { impl_->stop(impl_->drain_timeout()); }
void Server::stop(std::chrono::milliseconds drain_timeout) { impl_->stop(drain_timeout); }

}  // namespace radloop::mllp
