// A connection of the portal's HTTP server (see the header).
#include "reference/portal/internal/http_session.hpp"

#include <spdlog/spdlog.h>

#include <array>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>

#include "reference/portal/access.hpp"
#include "reference/portal/internal/ascii.hpp"
#include "reference/portal/target.hpp"
#include "reference/tls/context.hpp"

namespace radloop::portal::internal {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

using PlainStream = beast::tcp_stream;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

// Beast's default is 8 KiB; DICOMweb clients send long Accept headers and tokens.
constexpr std::uint32_t kMaxHeaderBytes = 16 * 1024;
// How long a closing connection keeps reading (and dropping) what the peer still sends, so the
// kernel does not answer that input with a reset that destroys the response in flight.
constexpr std::chrono::seconds kLinger{1};
// How long after a read's deadline the stream closes the socket by itself, should the cancelled
// read not come back in time.
constexpr std::chrono::seconds kBackstop{5};
// How often a passed deadline cancels again a read that had not begun when it first did.
constexpr std::chrono::milliseconds kRecancel{50};

// Beast in Boost 1.74 hands out boost::string_view.
std::string_view view(beast::string_view text) { return {text.data(), text.size()}; }

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
  const auto lower = ascii_lowercase(name);
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

// A connection over plain TCP or over TLS: the same code, the stream a template parameter, so the
// plain path pays nothing for TLS being possible.
template <typename Stream>
class Session final : public Connection, public std::enable_shared_from_this<Session<Stream>> {
  static constexpr bool kTls = std::is_same_v<Stream, TlsStream>;
  using std::enable_shared_from_this<Session<Stream>>::shared_from_this;

 public:
  Session(ServerState& server, tcp::socket socket, std::string address)
      : stream_(make_stream(server, std::move(socket))), server_(server), address_(std::move(address)) {
    boost::system::error_code ignored;
    lowest().socket().set_option(tcp::no_delay(true), ignored);
    request_.peer = endpoint_text(lowest().socket());
  }
  ~Session() override { server_.session_ended(address_); }
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;
  Session(Session&&) = delete;
  Session& operator=(Session&&) = delete;

  void start() {
    asio::dispatch(stream_.get_executor(), [self = shared_from_this()] {
      if constexpr (kTls) {
        self->handshake();
      } else {
        self->read_header();
      }
    });
  }

  // Both post onto the session's strand and return at once.
  void drain() override {
    asio::post(stream_.get_executor(), [self = shared_from_this()] { self->begin_drain(); });
  }
  void close_now() override {
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
  enum class Phase { handshake, idle, reading, writing, closing };

  static Stream make_stream(ServerState& server, tcp::socket socket) {
    if constexpr (kTls) {
      return Stream(std::move(socket), *server.tls);
    } else {
      return Stream(std::move(socket));
    }
  }

  beast::tcp_stream& lowest() { return beast::get_lowest_layer(stream_); }

  // The handshake is held to the header's deadline: a peer that opens a connection and trickles
  // (or sends nothing, or speaks plain HTTP to the TLS port) is cut like any slow request.
  void handshake() {
    phase_ = Phase::handshake;
    arm(std::chrono::steady_clock::now() + server_.config.read_timeout);
    stream_.async_handshake(asio::ssl::stream_base::server, [self = shared_from_this()](beast::error_code ec) {
      if (self->closed_) return;
      self->disarm();
      if (ec) {
        // A peer that connects and leaves without a word (a health check, a port scan) failed
        // nothing worth a warning.
        if (ec == asio::error::eof && !self->timed_out_) {
          self->close();
          return;
        }
        if (const auto failed = self->server_.handshakes_failed.count()) {
          spdlog::warn("portal: {} TLS handshake(s) failed or took longer than {} s (the last from {}: {})", failed,
                       self->server_.config.read_timeout.count(), self->request_.peer,
                       self->timed_out_ ? std::string("too slow")
                                        : tls::describe_handshake_failure(ec, self->stream_.native_handle()));
        }
        self->close();
        return;
      }
      self->read_header();
    });
  }

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
    arm(std::chrono::steady_clock::now() + server_.config.read_timeout);
    http::async_read_header(stream_, buffer_, *parser_,
                            [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_header(ec); });
  }

  // A read's deadline, kept by a timer of our own: when it passes, the read is cancelled and the
  // peer still gets its 408 (the stream's own timeout closes the socket, and nothing could be
  // written after it). The stream's timeout stays, a little later, as a backstop.
  void arm(std::chrono::steady_clock::time_point when) {
    timed_out_ = false;
    const auto read = ++reads_;
    lowest().expires_at(when + kBackstop);
    timer_.expires_at(when);
    timer_.async_wait([self = shared_from_this(), read](beast::error_code ec) { self->on_deadline(read, ec); });
  }

  // The read's deadline passed: cancel it. A header is read in several small reads, and one may
  // begin after this ran; so the cancel is repeated, briefly, until the read comes back.
  void on_deadline(std::uint64_t read, beast::error_code ec) {
    if (ec || closed_ || read != reads_) return;  // the read ended first
    timed_out_ = true;
    boost::system::error_code ignored;
    lowest().socket().cancel(ignored);
    timer_.expires_after(kRecancel);
    timer_.async_wait([self = shared_from_this(), read](beast::error_code again) { self->on_deadline(read, again); });
  }

  void disarm() {
    ++reads_;
    timer_.cancel();
  }

  void on_header(beast::error_code ec) {
    if (closed_) return;
    disarm();
    if (ec) {
      on_read_failed(ec);
      return;
    }
    phase_ = Phase::reading;
    deadline_ = std::chrono::steady_clock::now() + server_.config.request_timeout;
    const auto& header = parser_->get();
    request_.method = std::string(view(header.method_string()));
    request_.target = std::string(view(header.target()));
    request_.headers.clear();
    request_.body.clear();
    for (const auto& field : header) {
      auto [entry, inserted] =
          request_.headers.try_emplace(ascii_lowercase(view(field.name_string())), view(field.value()));
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

    if (auto refusal = browser_refusal(request_.method, request_.headers, !server_.config.credentials.empty())) {
      spdlog::warn("portal: refused {} {} from {}: {}", request_.method, request_.path, request_.peer, *refusal);
      reject(error_response(Error{Errc::http_forbidden, "request", std::move(*refusal)}));
      return;
    }
    auto holder = authorize();
    if (!holder) {
      auto response = error_response(Error{Errc::http_unauthorized, "", ""});
      response.headers.emplace_back("WWW-Authenticate", "Bearer");
      reject(std::move(response));
      return;
    }
    request_.credential = std::move(*holder);
    request_.tokens_required = !server_.config.credentials.empty();
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
    if (version_ == 11 && expect != request_.headers.end() && ascii_lowercase(expect->second) == "100-continue") {
      // The client waits for this before it sends the body (curl does for bodies over 1 KiB).
      static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
      lowest().expires_after(server_.config.read_timeout);
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
  // take longer than read_timeout in all, as long as it keeps moving, up to request_timeout.
  void read_body() {
    arm(std::min(std::chrono::steady_clock::now() + server_.config.read_timeout, deadline_));
    http::async_read_some(stream_, buffer_, *parser_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (self->closed_) return;
      self->disarm();
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
    if (ec == asio::ssl::error::stream_truncated || ec.category() == asio::error::get_ssl_category()) {
      // A TLS peer that left without close_notify, or whose records do not decrypt: nothing
      // more can be written to it.
      close();
      return;
    }
    const bool nothing_received = phase_ == Phase::idle && !parser_->got_some() && buffer_.size() == 0;
    const bool deadline_passed = timed_out_ && ec != beast::error::timeout;
    if (ec == http::error::end_of_stream || (ec == asio::error::operation_aborted && !deadline_passed) ||
        ec == asio::error::connection_reset || ec == asio::error::eof || ec == http::error::partial_message ||
        (deadline_passed && nothing_received) || ec == beast::error::timeout) {
      // The peer went away, a keep-alive connection stayed idle, or not even the backstop's
      // grace was enough to answer: nobody to answer.
      close();
      return;
    }
    if (deadline_passed) {
      // A peer trickling bytes (slowloris): told why, then cut.
      const auto& config = server_.config;
      std::string detail;
      if (phase_ == Phase::idle) {
        detail = "the request line and headers did not arrive whole within " +
                 std::to_string(config.read_timeout.count()) + " s";
      } else if (std::chrono::steady_clock::now() >= deadline_) {
        detail = "the body did not arrive whole within " + std::to_string(config.request_timeout.count()) + " s";
      } else {
        detail = "the body stopped arriving for " + std::to_string(config.read_timeout.count()) + " s";
      }
      spdlog::warn("portal: closing {}: {}", request_.peer, detail);
      reject(error_response(Error{Errc::http_request_timeout, "request", detail}), true);
      return;
    }
    // What remains is the parser refusing the bytes: a bad request line, field or chunk.
    spdlog::warn("portal: malformed request from {}: {}", request_.peer, ec.message());
    reject(error_response(Error{Errc::http_bad_request, "request", ec.message()}), true);
  }

  // The holder of the token presented; "" where none is needed (no tokens, or a public path
  // without one); nothing when the request is refused.
  [[nodiscard]] std::optional<std::string> authorize() const {
    const auto& config = server_.config;
    if (config.credentials.empty()) return std::string();
    const auto authorization = request_.headers.find("authorization");
    if (authorization != request_.headers.end()) {
      if (const auto* credential = credential_for(authorization->second, config.credentials)) return credential->holder;
    }
    if (is_public_path(config.public_paths, request_.path)) return std::string();
    return std::nullopt;
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
    lowest().expires_after(server_.config.read_timeout);  // a peer that does not take the response
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
    if (phase_ == Phase::handshake) {
      close();  // no request can have begun yet
      return;
    }
    if (phase_ != Phase::idle) return;
    boost::system::error_code ec;
    bool bytes_waiting = lowest().socket().available(ec) > 0 && !ec;
    if constexpr (kTls) {
      // Bytes of a record OpenSSL has taken in are no longer in the socket.
      bytes_waiting = bytes_waiting || SSL_has_pending(stream_.native_handle()) == 1;
    }
    const bool request_begun = parser_ && parser_->got_some();
    if (!request_begun && buffer_.size() == 0 && !bytes_waiting) close();
  }

  // Stop sending (FIN after the response; over TLS, close_notify first), read and drop what the
  // peer still sends, close at its end of stream or after kLinger.
  void linger_then_close() {
    phase_ = Phase::closing;
    lowest().expires_after(kLinger);
    if constexpr (kTls) {
      // Waits for the peer's close_notify (or its end of stream, or kLinger). A peer still sending
      // (a body that was refused, its next request) fails the shutdown: its bytes are then read
      // and dropped as over plain TCP, or the reset they would cause could destroy the response.
      stream_.async_shutdown([self = shared_from_this()](beast::error_code ec) {
        if (self->closed_) return;
        if (!ec || ec == asio::error::eof) {
          self->close();
          return;
        }
        boost::system::error_code ignored;
        self->lowest().socket().shutdown(tcp::socket::shutdown_send, ignored);
        self->discard_until_closed();
      });
    } else {
      boost::system::error_code ignored;
      lowest().socket().shutdown(tcp::socket::shutdown_send, ignored);
      discard_until_closed();
    }
  }

  void discard_until_closed() {
    lowest().async_read_some(asio::buffer(scratch_), [self = shared_from_this()](beast::error_code ec, std::size_t) {
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
    timer_.cancel();  // a pending deadline would keep the server's threads running until it passed
    lowest().close();
  }

  Stream stream_;
  ServerState& server_;
  std::string address_;                               // the peer's, as admitted
  asio::steady_timer timer_{stream_.get_executor()};  // the current read's deadline (arm)
  std::uint64_t reads_ = 0;                           // reads armed; a timer for an older one is stale
  bool timed_out_ = false;                            // the current read was cancelled by its deadline
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::response<http::string_body> response_;
  HttpRequest request_;  // reused: the peer is set once
  std::array<char, std::size_t{16} * 1024> scratch_{};
  unsigned version_ = 11;
  Phase phase_ = Phase::idle;
  std::chrono::steady_clock::time_point deadline_;  // the whole request's, from its header on
  bool keep_alive_ = true;
  bool draining_ = false;
  bool closed_ = false;
};

}  // namespace

std::shared_ptr<Connection> serve(ServerState& server, tcp::socket socket) {
  boost::system::error_code ec;
  const auto remote = socket.remote_endpoint(ec);
  if (ec) {
    socket.close(ec);  // gone before it was served
    return nullptr;
  }
  auto ip = remote.address();
  if (ip.is_v6() && ip.to_v6().is_v4_mapped()) ip = asio::ip::make_address_v4(asio::ip::v4_mapped, ip.to_v6());
  auto address = ip.to_string();
  if (!server.admit(address)) {
    // One host trickling many connections must not take every place (slowloris). Logged at
    // most every ten seconds: a flood must not flood the log as well.
    if (const auto refused = server.refusals.count()) {
      spdlog::warn("portal: refused {} connection(s) from addresses that already had {} open (the last: {})", refused,
                   server.config.max_connections_per_peer, address);
    }
    socket.close(ec);
    return nullptr;
  }
  try {
    if (server.tls) {
      auto session = std::make_shared<Session<TlsStream>>(server, std::move(socket), address);
      session->start();
      return session;
    }
    auto session = std::make_shared<Session<PlainStream>>(server, std::move(socket), address);
    session->start();
    return session;
  } catch (...) {
    server.session_ended(address);  // what admit() counted
    throw;
  }
}

}  // namespace radloop::portal::internal
