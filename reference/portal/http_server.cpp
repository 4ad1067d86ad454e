// The portal's HTTP server: the acceptor and its threads, one session per connection, and
// stop()'s drain. A session runs on its own strand:
//
//   read header --bad--> 4xx, close          (400 malformed, 413 too large, 431 headers)
//       | ok
//   check access --no--> 401 (close if a body was coming)
//       | ok
//   [100 Continue] --> read body --> handler --> write --keep-alive--> read header ...
//                                                  |
//                                                  +--close--> shut down sending, drop input, close
#include "reference/portal/http_server.hpp"

#include <spdlog/spdlog.h>

#include <array>
#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <condition_variable>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <thread>

#include "reference/portal/access.hpp"
#include "reference/portal/target.hpp"

namespace radloop::portal {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
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

namespace {

// Beast's default is 8 KiB; DICOMweb clients send long Accept headers and tokens.
constexpr std::uint32_t kMaxHeaderBytes = 16 * 1024;
// How long a closing connection keeps reading (and dropping) what the peer still sends, so the
// kernel does not answer that input with a reset that destroys the response in flight.
constexpr std::chrono::seconds kLinger{1};

bool is_loopback(const asio::ip::address& address) {
  if (address.is_v4()) return address.to_v4().is_loopback();
  const auto v6 = address.to_v6();
  if (v6.is_v4_mapped()) return asio::ip::make_address_v4(asio::ip::v4_mapped, v6).is_loopback();
  return v6.is_loopback();
}

// Beast in Boost 1.74 hands out boost::string_view.
std::string_view view(beast::string_view text) { return {text.data(), text.size()}; }

std::string lowercase(std::string_view text) {
  std::string lower(text);
  for (auto& c : lower) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return lower;
}

// A header the handler returns must not split the response: a token for a name, no CR, LF or NUL
// in the value.
bool valid_header(std::string_view name, std::string_view value) {
  if (name.empty()) return false;
  constexpr std::string_view kTokenSpecials = "!#$%&'*+-.^_`|~";
  for (const char c : name) {
    const bool alnum = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    if (!alnum && kTokenSpecials.find(c) == std::string_view::npos) return false;
  }
  return value.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

bool owned_by_server(std::string_view name) {
  const auto lower = lowercase(name);
  return lower == "content-length" || lower == "transfer-encoding" || lower == "connection";
}

std::string limit_text(std::size_t bytes) {
  std::string text = "the limit is ";
  text += std::to_string(bytes);
  text += " bytes";
  return text;
}

std::string endpoint_text(const tcp::socket& socket) {
  boost::system::error_code ec;
  const auto endpoint = socket.remote_endpoint(ec);
  if (ec) return "unknown peer";
  std::string text = endpoint.address().to_string();
  text += ':';
  text += std::to_string(endpoint.port());
  return text;
}

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

class Session final : public std::enable_shared_from_this<Session> {
 public:
  Session(ServerState& server, tcp::socket socket) : stream_(std::move(socket)), server_(server) {
    boost::system::error_code ignored;
    stream_.socket().set_option(tcp::no_delay(true), ignored);
    request_.peer = endpoint_text(stream_.socket());
    server_.session_started();
  }
  ~Session() { server_.session_ended(); }
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;
  Session(Session&&) = delete;
  Session& operator=(Session&&) = delete;

  void start() {
    asio::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->read_header(); });
  }

  // Both post onto the session's strand and return at once.
  void drain() {
    asio::post(stream_.get_executor(), [self = shared_from_this()] { self->begin_drain(); });
  }
  void close_now() {
    asio::post(stream_.get_executor(), [self = shared_from_this()] {
      if (self->closed_) return;
      spdlog::warn("portal: cutting {}: still busy when the drain timeout passed", self->request_.peer);
      self->close();
    });
  }

 private:
  // idle: waiting for a request line; reading: a request has begun; writing: the response is on
  // its way; closing: lingering before the close. The handler runs synchronously on the strand,
  // so nothing else of this session runs meanwhile.
  enum class Phase { idle, reading, writing, closing };

  void read_header() {
    if (draining_) {
      close();
      return;
    }
    phase_ = Phase::idle;
    version_ = 11;
    parser_.emplace();
    parser_->header_limit(kMaxHeaderBytes);
    parser_->body_limit(server_.config.max_body_bytes);
    // One deadline for the whole header, so a peer trickling a byte at a time cannot hold the
    // connection open forever.
    stream_.expires_after(server_.config.read_timeout);
    http::async_read_header(stream_, buffer_, *parser_,
                            [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_header(ec); });
  }

  void on_header(beast::error_code ec) {
    if (closed_) return;
    if (ec) {
      on_read_failed(ec);
      return;
    }
    phase_ = Phase::reading;
    const auto& header = parser_->get();
    request_.method = std::string(view(header.method_string()));
    request_.target = std::string(view(header.target()));
    request_.headers.clear();
    request_.body.clear();
    for (const auto& field : header) {
      auto [entry, inserted] = request_.headers.try_emplace(lowercase(view(field.name_string())), view(field.value()));
      if (!inserted) {
        entry->second += ", ";
        entry->second.append(view(field.value()));
      }
    }
    keep_alive_ = header.keep_alive();
    version_ = header.version();

    auto target = parse_target(request_.target);
    if (!target) {
      reject(error_response(target.error()));
      return;
    }
    request_.path = std::move(target->path);
    request_.query = std::move(target->query);

    if (!authorized()) {
      auto response = error_response(Error{Errc::http_unauthorized, "", ""});
      response.headers.emplace_back("WWW-Authenticate", "Bearer");
      reject(std::move(response));
      return;
    }
    // The handler has no use for the token, and a handler that logs headers must not leak it.
    request_.headers.erase("authorization");

    if (!parser_->is_done() && server_.config.body_limit) {
      const auto allowed =
          std::min(server_.config.body_limit(request_.method, request_.path), server_.config.max_body_bytes);
      if (allowed == 0) {
        reject(error_response(Error{Errc::http_body_too_large, "request body",
                                    request_.method + " " + request_.path + " takes no body"}));
        return;
      }
      // Beast weighs a Content-Length against the limit while reading the header: a declared
      // length is checked here; a chunked body is held to the new limit as it comes.
      if (const auto declared = parser_->content_length(); declared && *declared > allowed) {
        reject(error_response(Error{Errc::http_body_too_large, "request body",
                                    request_.method + " " + request_.path + " takes at most " + limit_text(allowed)}));
        return;
      }
      parser_->body_limit(allowed);
    }

    if (parser_->is_done()) {
      handle();
      return;
    }
    const auto expect = request_.headers.find("expect");
    if (version_ == 11 && expect != request_.headers.end() && lowercase(expect->second) == "100-continue") {
      // The client waits for this before it sends the body (curl does for bodies over 1 KiB).
      static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
      stream_.expires_after(server_.config.read_timeout);
      asio::async_write(stream_, asio::buffer(kContinue),
                        [self = shared_from_this()](beast::error_code written, std::size_t) {
                          if (self->closed_) return;
                          if (written) {
                            self->close();
                            return;
                          }
                          self->read_body();
                        });
      return;
    }
    read_body();
  }

  // A body is read piece by piece, each within read_timeout: a large upload on a slow link may
  // take longer than read_timeout in all, as long as it keeps moving.
  void read_body() {
    stream_.expires_after(server_.config.read_timeout);
    http::async_read_some(stream_, buffer_, *parser_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (self->closed_) return;
      if (ec) {
        self->on_read_failed(ec);
        return;
      }
      if (!self->parser_->is_done()) {
        self->read_body();
        return;
      }
      self->request_.body = std::move(self->parser_->get().body());
      self->handle();
    });
  }

  void on_read_failed(const beast::error_code& ec) {
    if (ec == http::error::body_limit) {
      reject(
          error_response(Error{Errc::http_body_too_large, "request body", limit_text(server_.config.max_body_bytes)}),
          true);
      return;
    }
    if (ec == http::error::header_limit) {
      reject(error_response(Error{Errc::http_headers_too_large, "request header", limit_text(kMaxHeaderBytes)}), true);
      return;
    }
    const bool nothing_received = phase_ == Phase::idle && !parser_->got_some() && buffer_.size() == 0;
    if (ec == http::error::end_of_stream || ec == asio::error::operation_aborted ||
        ec == asio::error::connection_reset || ec == asio::error::eof || ec == http::error::partial_message ||
        (ec == beast::error::timeout && nothing_received)) {
      // The peer went away, or a keep-alive connection stayed idle: nobody to answer.
      close();
      return;
    }
    if (ec == beast::error::timeout) {
      spdlog::warn("portal: closing {}: the request did not arrive within {} s", request_.peer,
                   server_.config.read_timeout.count());
      close();
      return;
    }
    // What remains is the parser refusing the bytes: a bad request line, field or chunk.
    spdlog::warn("portal: malformed request from {}: {}", request_.peer, ec.message());
    reject(error_response(Error{Errc::http_bad_request, "request", ec.message()}), true);
  }

  [[nodiscard]] bool authorized() const {
    const auto& config = server_.config;
    if (config.bearer_token.empty() || is_public_path(config.public_paths, request_.path)) return true;
    const auto authorization = request_.headers.find("authorization");
    return authorization != request_.headers.end() && bearer_token_matches(authorization->second, config.bearer_token);
  }

  void handle() {
    HttpResponse response;
    try {
      response = server_.handler(request_);
    } catch (const std::exception& e) {
      spdlog::error("portal: handler failed for {} {} from {}: {}", request_.method, request_.target, request_.peer,
                    e.what());
      response = internal_error();
    } catch (...) {
      spdlog::error("portal: handler failed for {} {} from {}", request_.method, request_.target, request_.peer);
      response = internal_error();
    }
    respond(std::move(response), keep_alive_ && !draining_);
  }

  // The exception's text stays in the log: it may name files, SQL or internals.
  [[nodiscard]] HttpResponse internal_error() const {
    return error_response(Error{Errc::internal, request_.path, "see the server log"});
  }

  // Answers before the body was read (or when the bytes cannot be trusted any further). The
  // connection stays open only when no body was coming and the request was otherwise sound.
  void reject(HttpResponse response, bool unreadable = false) {
    const bool body_pending = parser_ && !parser_->is_done();
    respond(std::move(response), keep_alive_ && !unreadable && !body_pending && !draining_);
  }

  void respond(HttpResponse response, bool keep_alive) {
    if (!build_response(response, keep_alive)) {
      spdlog::error("portal: the handler's response to {} {} is not valid HTTP (status {}); sent 500 instead",
                    request_.method, request_.target, response.status);
      auto fallback = internal_error();
      build_response(fallback, keep_alive);
    }
    phase_ = Phase::writing;
    keep_alive_ = keep_alive;
    stream_.expires_after(server_.config.read_timeout);  // a peer that does not take the response
    http::async_write(stream_, response_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (self->closed_) return;
      if (ec) {
        self->close();
        return;
      }
      if (self->keep_alive_ && !self->draining_) {
        self->read_header();
      } else {
        self->linger_then_close();
      }
    });
  }

  // False (and the record untouched) when it cannot be written as HTTP: a status outside 200-599,
  // a header that would split the response, a body on a 204 or 304.
  bool build_response(HttpResponse& record, bool keep_alive) {
    if (record.status < 200 || record.status > 599) return false;
    const bool bodiless = record.status == 204 || record.status == 304;
    if (bodiless && !record.body.empty()) return false;
    if (!record.content_type.empty() && !valid_header("Content-Type", record.content_type)) return false;
    for (const auto& [name, value] : record.headers) {
      if (!valid_header(name, value)) return false;
    }
    response_ = {};
    response_.version(version_ == 10 ? 10 : 11);
    response_.result(record.status);
    if (!record.content_type.empty() && !bodiless) response_.set(http::field::content_type, record.content_type);
    for (const auto& [name, value] : record.headers) {
      if (!owned_by_server(name)) response_.insert(name, value);
    }
    response_.body() = std::move(record.body);  // a WADO-RS body can be large: moved, not copied
    response_.keep_alive(keep_alive);
    // A 204 or 304 carries no Content-Length (RFC 9110 8.6); its end is known without one.
    if (!bodiless) response_.prepare_payload();
    return true;
  }

  // stop() asked: an idle connection closes now; one with a request under way finishes it first
  // (respond() then answers "Connection: close").
  void begin_drain() {
    if (closed_ || draining_) return;
    draining_ = true;
    if (phase_ != Phase::idle) return;
    boost::system::error_code ec;
    const bool bytes_waiting = stream_.socket().available(ec) > 0 && !ec;
    const bool request_begun = parser_ && parser_->got_some();
    if (!request_begun && buffer_.size() == 0 && !bytes_waiting) close();
  }

  // Stop sending (FIN after the response), read and drop what the peer still sends, close at its
  // end of stream or after kLinger.
  void linger_then_close() {
    phase_ = Phase::closing;
    boost::system::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.expires_after(kLinger);
    discard_until_closed();
  }

  void discard_until_closed() {
    stream_.async_read_some(asio::buffer(scratch_), [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (self->closed_) return;
      if (ec) {
        self->close();
        return;
      }
      self->discard_until_closed();
    });
  }

  void close() {
    closed_ = true;
    stream_.close();
  }

  beast::tcp_stream stream_;
  ServerState& server_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::response<http::string_body> response_;
  HttpRequest request_;  // reused: the peer is set once
  std::array<char, std::size_t{16} * 1024> scratch_{};
  unsigned version_ = 11;
  Phase phase_ = Phase::idle;
  bool keep_alive_ = true;
  bool draining_ = false;
  bool closed_ = false;
};

}  // namespace

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
    boost::system::error_code ec;
    const auto address = asio::ip::make_address(config.bind_address, ec);
    if (ec) {
      std::string detail = config.bind_address;
      detail += ": ";
      detail += ec.message();
      return Error{Errc::invalid_config, "bind_address", std::move(detail)};
    }
    if (!is_loopback(address) && config.bearer_token.empty()) {
      return Error{Errc::portal_token_required, "bind_address",
                   config.bind_address + " is reachable from other hosts and bearer_token is empty"};
    }
    for (const auto& entry : config.public_paths) {
      if (!entry.starts_with('/'))
        return Error{Errc::invalid_config, "public_paths", entry + " does not start with '/'"};
    }
    if (config.max_connections == 0) return Error{Errc::invalid_config, "max_connections", "must be at least 1"};

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
    spdlog::info("portal: listening on {}:{} ({})", config.bind_address, port_,
                 config.bearer_token.empty() ? "no token: loopback only" : "bearer token required");
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
      auto session = std::make_shared<Session>(state_, std::move(socket));
      {
        std::lock_guard lock(state_.mutex);
        std::erase_if(sessions_, [](const auto& weak) { return weak.expired(); });
        sessions_.push_back(session);
      }
      session->start();
      accept();
    });
  }

  std::vector<std::shared_ptr<Session>> live_sessions() {
    std::vector<std::shared_ptr<Session>> live;
    std::lock_guard lock(state_.mutex);
    for (const auto& weak : sessions_) {
      if (auto session = weak.lock()) live.push_back(std::move(session));
    }
    return live;
  }

  // Sessions refer to state_, so it is declared before io_ and outlives every handler.
  ServerState state_;
  std::vector<std::weak_ptr<Session>> sessions_;  // guarded by state_.mutex
  bool drain_requested_ = false;                  // guarded by state_.mutex
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
