// The portal's HTTP server: the acceptor and its threads, and stop()'s drain. Each connection is
// served by internal/http_session.
#include "reference/portal/http_server.hpp"

#include <spdlog/spdlog.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>

#include <atomic>
#include <boost/asio.hpp>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <thread>

#include "reference/portal/access.hpp"
#include "reference/portal/internal/http_session.hpp"
#include "reference/tls/context.hpp"

namespace radloop::portal {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

HttpResponse json_response(unsigned status, std::string body) {
  HttpResponse response;
  response.status = status;
  response.body = std::move(body);
  return response;
}

HttpResponse error_response(const Error& error) {
  const auto& row = info(error.code);
  const nlohmann::json body = {
      {"error", {{"code", std::string(row.id)}, {"where", error.where}, {"detail", error.detail}}}};
  // replace: a detail quoting the request's bytes may not be UTF-8; that must not throw.
  return json_response(static_cast<unsigned>(row.http_status),
                       body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

Result<std::shared_ptr<const SpooledBody>> SpooledBody::map(int fd) {
  struct stat info {};
  if (::fstat(fd, &info) != 0) return Error{Errc::io_failed, "request body", std::strerror(errno)};
  const auto size = static_cast<std::size_t>(info.st_size);
  void* data = nullptr;
  if (size > 0) {
    data = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (data == MAP_FAILED) return Error{Errc::io_failed, "request body", std::strerror(errno)};
  }
  return std::shared_ptr<const SpooledBody>(new SpooledBody(data, size));
}

SpooledBody::~SpooledBody() {
  if (data_ != nullptr) ::munmap(data_, size_);
}

namespace {

bool is_loopback(const asio::ip::address& address) {
  if (address.is_v4()) return address.to_v4().is_loopback();
  const auto v6 = address.to_v6();
  if (v6.is_v4_mapped()) return asio::ip::make_address_v4(asio::ip::v4_mapped, v6).is_loopback();
  return v6.is_loopback();
}

}  // namespace

Result<void> check_config(const HttpServerConfig& config) {
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(config.bind_address, ec);
  if (ec) {
    std::string detail = config.bind_address;
    detail += ": ";
    detail += ec.message();
    return Error{Errc::invalid_config, "bind_address", std::move(detail)};
  }
  if (!is_loopback(address) && config.credentials.empty()) {
    return Error{Errc::portal_token_required, "bind_address",
                 config.bind_address + " is reachable from other hosts and no token is set"};
  }
  if (auto problem = credentials_problem(config.credentials)) {
    return Error{Errc::invalid_config, "portal token", std::move(*problem)};
  }
  for (const auto& entry : config.public_paths) {
    if (!entry.starts_with('/')) return Error{Errc::invalid_config, "public_paths", entry + " does not start with '/'"};
  }
  if (config.max_connections == 0) return Error{Errc::invalid_config, "max_connections", "must be at least 1"};
  if (config.max_connections_per_peer == 0) {
    return Error{Errc::invalid_config, "max_connections_per_peer", "must be at least 1"};
  }
  if (config.read_timeout.count() < 1 || config.request_timeout.count() < 1 ||
      config.read_timeout > std::chrono::hours(24) || config.request_timeout > std::chrono::hours(24)) {
    return Error{Errc::invalid_config, "read_timeout, request_timeout", "between 1 second and a day"};
  }
  if (config.tls) {
    if (auto context = tls::make_server_context(*config.tls); !context) return context.error();
  }
  return {};
}

class HttpServer::Impl {
 public:
  Impl(HttpServerConfig config, HttpHandler handler)
      : state_(std::move(config), std::move(handler)),
        acceptor_(asio::make_strand(io_)),
        retry_(acceptor_.get_executor()) {
    state_.on_session_ended = [this] {
      // Never posts once stop() began: the io_context may already be winding down.
      if (stopping_) return;
      asio::post(acceptor_.get_executor(), [this] {
        if (paused_ && accepting_) {
          paused_ = false;
          accept();
        }
      });
    };
  }
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;
  Impl(Impl&&) = delete;
  Impl& operator=(Impl&&) = delete;
  ~Impl() = default;

  Result<void> listen() {
    const auto& config = state_.config;
    if (auto checked = check_config(config); !checked) return checked;
    if (config.tls) {
      auto context = tls::make_server_context(*config.tls);
      if (!context) return context.error();
      state_.tls.emplace(std::move(context).value());
    }
    boost::system::error_code ec;
    const auto address = asio::ip::make_address(config.bind_address, ec);
    const tcp::endpoint endpoint(address, config.port);
    std::string where = config.bind_address;
    where += ':';
    where += std::to_string(config.port);
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
            spdlog::error("portal: a server task failed: {}; the server keeps running", e.what());
          } catch (...) {
            spdlog::error("portal: a server task failed; the server keeps running");
          }
        }
      });
    }
    spdlog::info("portal: listening on {}:{}{} ({})", config.bind_address, port_, config.tls ? " (HTTPS)" : "",
                 config.credentials.empty()
                     ? std::string("no token: loopback only, requests to localhost only")
                     : "bearer token required, " + std::to_string(config.credentials.size()) + " holder(s)");
    return {};
  }

  void stop() {
    std::lock_guard once(stop_mutex_);  // a second caller waits for the first stop to finish
    if (stopped_) return;
    stopped_ = true;
    stopping_ = true;
    // On the acceptor's strand, so no connection is accepted after the drain was asked for.
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
      const auto drain_timeout = state_.config.drain_timeout;
      if (!state_.changed.wait_for(lock, drain_timeout,
                                   [this] { return drain_requested_ && state_.live_sessions == 0; })) {
        spdlog::warn("portal: {} connection(s) still busy after the {} ms drain timeout; cutting them",
                     state_.live_sessions, drain_timeout.count());
        lock.unlock();
        for (const auto& session : live_sessions()) session->close_now();
      }
    }
    work_.reset();
    for (auto& thread : threads_) thread.join();
    threads_.clear();
    spdlog::info("portal: stopped listening on {}:{}", state_.config.bind_address, port_);
  }

  [[nodiscard]] std::uint16_t port() const { return port_; }

 private:
  // Runs on the acceptor's strand.
  void accept() {
    if (!accepting_) return;
    if (state_.live() >= state_.config.max_connections) {
      paused_ = true;  // the next session to end resumes accepting
      return;
    }
    // Each connection gets its own strand: its reads, writes, timers and drain never overlap.
    acceptor_.async_accept(asio::make_strand(io_), [this](boost::system::error_code ec, tcp::socket socket) {
      if (!accepting_) return;  // stopping: a connection accepted in the race closes with the socket
      if (ec) {
        // Out of descriptors, or a connection reset before it was taken: try again shortly
        // rather than spin or stop listening.
        spdlog::warn("portal: accept failed on port {}: {}", port_, ec.message());
        retry_.expires_after(std::chrono::milliseconds(100));
        retry_.async_wait([this](boost::system::error_code waited) {
          if (!waited) accept();
        });
        return;
      }
      // A connection that cannot be set up (no memory for its TLS state) is dropped; the
      // listener goes on either way.
      try {
        auto session = internal::serve(state_, std::move(socket));
        if (session) {
          std::lock_guard lock(state_.mutex);
          std::erase_if(sessions_, [](const auto& weak) { return weak.expired(); });
          sessions_.push_back(session);
        }
      } catch (const std::exception& e) {
        spdlog::error("portal: a connection on port {} could not be served: {}", port_, e.what());
      }
      accept();
    });
  }

  std::vector<std::shared_ptr<internal::Connection>> live_sessions() {
    std::vector<std::shared_ptr<internal::Connection>> live;
    std::lock_guard lock(state_.mutex);
    for (const auto& weak : sessions_) {
      if (auto session = weak.lock()) live.push_back(std::move(session));
    }
    return live;
  }

  // Sessions refer to state_, so it is declared before io_ and outlives every handler.
  internal::ServerState state_;
  std::vector<std::weak_ptr<internal::Connection>> sessions_;  // guarded by state_.mutex
  bool drain_requested_ = false;                               // guarded by state_.mutex
  std::atomic<bool> stopping_ = false;
  asio::io_context io_;
  tcp::acceptor acceptor_;
  asio::steady_timer retry_;
  bool accepting_ = true;  // touched on the acceptor's strand only
  bool paused_ = false;    // likewise
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_{io_.get_executor()};
  std::vector<std::thread> threads_;
  std::mutex stop_mutex_;
  bool stopped_ = false;
  std::uint16_t port_ = 0;
};

Result<std::unique_ptr<HttpServer>> HttpServer::start(HttpServerConfig config, HttpHandler handler) {
  if (!handler) return Error{Errc::invalid_config, "handler", "no handler given"};
  auto impl = std::make_unique<Impl>(std::move(config), std::move(handler));
  if (auto listening = impl->listen(); !listening) return listening.error();
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
HttpServer::~HttpServer() { stop(); }
std::uint16_t HttpServer::port() const { return impl_->port(); }
void HttpServer::stop() { impl_->stop(); }

}  // namespace radloop::portal
