// MLLP server: acceptor, per-connection read -> decode -> handle -> write loop, idle timer.
#include "reference/mllp/server.hpp"

#include <spdlog/spdlog.h>

#include <array>
#include <atomic>
#include <boost/asio.hpp>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace radloop::mllp {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

struct Counters {
  std::atomic<std::uint64_t> connections_accepted{0};
  std::atomic<std::uint64_t> messages_received{0};
  std::atomic<std::uint64_t> replies_sent{0};
  std::atomic<std::uint64_t> bytes_discarded{0};
  std::atomic<std::uint64_t> connections_dropped{0};
};

// One connection. Messages on a connection are handled strictly in order: the next read
// starts only after the previous reply is written, as MLLP peers expect.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, const ServerConfig& config, const MessageHandler& handler, Counters& counters)
      : socket_(std::move(socket)),
        timer_(socket_.get_executor()),
        config_(config),
        handler_(handler),
        counters_(counters),
        decoder_(config.max_frame_bytes) {
    boost::system::error_code ec;
    const auto remote = socket_.remote_endpoint(ec);
    peer_ = ec ? "unknown" : remote.address().to_string() + ":" + std::to_string(remote.port());
  }

  void start() { read(); }

  void close() {
    asio::post(socket_.get_executor(), [self = shared_from_this()] {
      boost::system::error_code ignored;
      self->timer_.cancel();
      self->socket_.close(ignored);
    });
  }

 private:
  void arm_idle_timer() {
    timer_.expires_after(config_.idle_timeout);
    timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (ec) return;  // cancelled: there was traffic
      spdlog::warn("mllp: closing {}: idle for more than {} ms", self->peer_, self->config_.idle_timeout.count());
      ++self->counters_.connections_dropped;
      boost::system::error_code ignored;
      self->socket_.close(ignored);
    });
  }

  void read() {
    arm_idle_timer();
    socket_.async_read_some(asio::buffer(buffer_),
                            [self = shared_from_this()](boost::system::error_code ec, std::size_t n) {
                              self->timer_.cancel();
                              if (ec) return;  // peer closed, or we closed it
                              self->on_bytes(std::string_view(self->buffer_.data(), n));
                            });
  }

  void on_bytes(std::string_view bytes) {
    const auto discarded_before = decoder_.discarded_bytes();
    auto fed = decoder_.feed(bytes, pending_);
    if (const auto discarded = decoder_.discarded_bytes() - discarded_before; discarded > 0) {
      counters_.bytes_discarded += discarded;
      spdlog::warn("mllp: {} discarded {} byte(s) outside any frame", peer_, discarded);
    }
    if (!fed) {
      spdlog::error("mllp: closing {}: {}", peer_, fed.error().message());
      ++counters_.connections_dropped;
      boost::system::error_code ignored;
      socket_.close(ignored);
      return;
    }
    next_message();
  }

  // Handles the queued messages one by one, then goes back to reading.
  void next_message() {
    if (pending_.empty()) {
      read();
      return;
    }
    InboundMessage message{std::move(pending_.front()), peer_};
    pending_.erase(pending_.begin());
    ++counters_.messages_received;
    std::string reply;
    try {
      reply = handler_(message);
    } catch (const std::exception& e) {
      // A handler must answer with a value; if it throws, the peer gets nothing rather than a
      // false ACK, and the connection closes so the sender retries.
      spdlog::error("mllp: handler failed for a message from {}: {}", peer_, e.what());
      boost::system::error_code ignored;
      socket_.close(ignored);
      return;
    }
    outgoing_ = frame(reply);
    asio::async_write(socket_, asio::buffer(outgoing_),
                      [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
                        if (ec) return;
                        ++self->counters_.replies_sent;
                        self->next_message();
                      });
  }

  tcp::socket socket_;
  asio::steady_timer timer_;
  const ServerConfig& config_;
  const MessageHandler& handler_;
  Counters& counters_;
  FrameDecoder decoder_;
  std::array<char, 64 * 1024> buffer_{};
  std::vector<std::string> pending_;
  std::string outgoing_;
  std::string peer_;
};

}  // namespace

class Server::Impl {
 public:
  Impl(ServerConfig config, MessageHandler handler)
      : config_(std::move(config)), handler_(std::move(handler)), acceptor_(io_) {}

  Result<void> listen() {
    boost::system::error_code ec;
    const auto address = asio::ip::make_address(config_.bind_address, ec);
    if (ec) return Error{Errc::invalid_config, "bind_address", config_.bind_address + ": " + ec.message()};
    const tcp::endpoint endpoint(address, config_.port);
    const auto where = config_.bind_address + ":" + std::to_string(config_.port);
    if (acceptor_.open(endpoint.protocol(), ec); ec) return Error{Errc::bind_failed, where, ec.message()};
    acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
    if (acceptor_.bind(endpoint, ec); ec) return Error{Errc::bind_failed, where, ec.message()};
    if (acceptor_.listen(asio::socket_base::max_listen_connections, ec); ec) {
      return Error{Errc::bind_failed, where, ec.message()};
    }
    port_ = acceptor_.local_endpoint().port();
    accept();
    for (unsigned i = 0; i < std::max(1U, config_.threads); ++i) {
      threads_.emplace_back([this] { io_.run(); });
    }
    spdlog::info("mllp: listening on {}:{}", config_.bind_address, port_);
    return {};
  }

  void stop() {
    if (stopped_.exchange(true)) return;
    asio::post(io_, [this] {
      boost::system::error_code ignored;
      acceptor_.close(ignored);
      std::lock_guard lock(mutex_);
      for (const auto& weak : sessions_) {
        if (auto session = weak.lock()) session->close();
      }
    });
    work_.reset();
    for (auto& t : threads_) t.join();
    threads_.clear();
  }

  [[nodiscard]] std::uint16_t port() const { return port_; }
  [[nodiscard]] ServerStats stats() const {
    return ServerStats{counters_.connections_accepted, counters_.messages_received, counters_.replies_sent,
                       counters_.bytes_discarded, counters_.connections_dropped};
  }

 private:
  void accept() {
    // Each connection gets its own strand: its reads, writes, timer and close never run concurrently.
    acceptor_.async_accept(asio::make_strand(io_), [this](boost::system::error_code ec, tcp::socket socket) {
      if (ec) return;  // acceptor closed
      ++counters_.connections_accepted;
      auto session = std::make_shared<Session>(std::move(socket), config_, handler_, counters_);
      {
        std::lock_guard lock(mutex_);
        std::erase_if(sessions_, [](const auto& weak) { return weak.expired(); });
        sessions_.push_back(session);
      }
      session->start();
      accept();
    });
  }

  ServerConfig config_;
  MessageHandler handler_;
  asio::io_context io_;
  tcp::acceptor acceptor_;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_{io_.get_executor()};
  std::vector<std::thread> threads_;
  std::mutex mutex_;
  std::vector<std::weak_ptr<Session>> sessions_;
  Counters counters_;
  std::uint16_t port_ = 0;
  std::atomic<bool> stopped_{false};
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
void Server::stop() { impl_->stop(); }

}  // namespace radloop::mllp
