// A connection of the portal's HTTP server (see the header).
#include "reference/portal/internal/http_session.hpp"

#include <spdlog/spdlog.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/core/file.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

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
  ~Session() override {
    close_file();
    server_.session_ended(address_);
  }
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;
  Session(Session&&) = delete;
  Session& operator=(Session&&) = delete;

  void start() override {
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
        // nothing worth a warning. (Asio reports that end as a truncated stream.)
        const bool silent = BIO_number_read(SSL_get_rbio(self->stream_.native_handle())) == 0;
        if ((ec == asio::error::eof || ec == asio::ssl::error::stream_truncated) && silent && !self->timed_out_) {
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
    file_parser_.reset();
    request_.spooled.reset();
    parser_->header_limit(kMaxHeaderBytes);
    parser_->body_limit(server_.config.max_body_bytes);
    body_allowed_ = server_.config.max_body_bytes;
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
      body_allowed_ = allowed;
    }

    if (parser_->is_done()) {
      handle();
      return;
    }
    if (server_.config.spool && server_.config.spool(request_.method, request_.path)) {
      if (auto why = spool_body()) {
        spdlog::error("portal: cannot keep the body of {} {} from {} in a file: {}", request_.method, request_.path,
                      request_.peer, *why);
        reject(error_response(Error{Errc::io_failed, "request body", "the server cannot take a body now"}));
        return;
      }
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

  // The body goes to a file of its own, made and unlinked in the spool directory; the parser
  // changes to one that writes there (the header is read, the body not begun).
  std::optional<std::string> spool_body() {
    std::error_code ignored;
    const auto directory = server_.config.spool_directory.empty()
                               ? std::filesystem::temp_directory_path(ignored)
                               : std::filesystem::path(server_.config.spool_directory);
    auto path = (directory / "radloop-body-XXXXXX").string();
    const int fd = ::mkostemp(path.data(), O_CLOEXEC);  // a child process must not keep it
    if (fd < 0) return std::string(std::strerror(errno)) + " in " + directory.string();
    ::unlink(path.c_str());
    beast::file file;
    file.native_handle(fd);
    file_parser_.emplace(std::move(*parser_));
    parser_.reset();
    file_parser_->body_limit(body_allowed_);
    beast::error_code ec;
    file_parser_->get().body().reset(std::move(file), ec);
    if (ec) return ec.message();
    return std::nullopt;
  }

  void read_body() {
    if (file_parser_) {
      read_body(*file_parser_);
    } else {
      read_body(*parser_);
    }
  }

  // A body is read piece by piece, each within read_timeout: a large upload on a slow link may
  // take longer than read_timeout in all, as long as it keeps moving, up to request_timeout.
  template <typename Parser>
  void read_body(Parser& parser) {
    arm(std::min(std::chrono::steady_clock::now() + server_.config.read_timeout, deadline_));
    http::async_read_some(stream_, buffer_, parser,
                          [self = shared_from_this(), &parser](beast::error_code ec, std::size_t) {
                            if (self->closed_) return;
                            self->disarm();
                            if (ec) {
                              self->on_read_failed(ec);
                              return;
                            }
                            if (!parser.is_done()) {
                              self->read_body(parser);
                              return;
                            }
                            self->body_read(parser);
                          });
  }

  void body_read(http::request_parser<http::string_body>& parser) {
    request_.body = std::move(parser.get().body());
    handle();
  }

  void body_read(http::request_parser<http::file_body>& parser) {
    auto mapped = SpooledBody::map(parser.get().body().file().native_handle());
    if (!mapped) {
      spdlog::error("portal: cannot read back the body of {} {}: {}", request_.method, request_.path,
                    mapped.error().message());
      respond(error_response(Error{Errc::io_failed, "request body", "the server cannot take a body now"}), false);
      return;
    }
    request_.spooled = std::move(mapped).value();
    file_parser_.reset();  // the file's descriptor closes; the mapping stays until the request is done
    handle();
    request_.spooled.reset();
  }

  void on_read_failed(const beast::error_code& ec) {
    if (ec == http::error::body_limit) {
      reject(error_response(Error{Errc::http_body_too_large, "request body", limit_text(body_allowed_)}), true);
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
    const bool nothing_received = phase_ == Phase::idle && parser_ && !parser_->got_some() && buffer_.size() == 0;
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
    if (file_parser_ && ec.category() != http::make_error_code(http::error::body_limit).category()) {
      // Writing the spooled body failed (a full disk): the server's trouble, not the request's.
      spdlog::error("portal: cannot keep the body of {} {} from {}: {}", request_.method, request_.path, request_.peer,
                    ec.message());
      reject(error_response(Error{Errc::io_failed, "request body", "the server cannot take a body now"}), true);
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
    const bool body_pending = (parser_ && !parser_->is_done()) || (file_parser_ && !file_parser_->is_done());
    respond(std::move(response), keep_alive_ && !unreadable && !body_pending && !draining_);
  }

  void respond(HttpResponse response, bool keep_alive) {
    if (!response.pieces.empty() && response.body.empty() && valid_record(response)) {
      stream(std::move(response), keep_alive);
      return;
    }
    if (!build_response(response, keep_alive)) {
      spdlog::error("portal: the handler's response to {} {} is not valid HTTP (status {}); sent 500 instead",
                    request_.method, request_.target, response.status);
      auto fallback = internal_error();
      build_response(fallback, keep_alive);
    }
    phase_ = Phase::writing;
    keep_alive_ = keep_alive;
    lowest().expires_after(server_.config.read_timeout);  // a peer that does not take the response
    http::async_write(stream_, response_,
                      [self = shared_from_this()](beast::error_code ec, std::size_t) { self->after_response(ec); });
  }

  void after_response(beast::error_code ec) {
    if (closed_) return;
    if (ec) {
      close();
      return;
    }
    if (keep_alive_ && !draining_) {
      read_header();
    } else {
      linger_then_close();
    }
  }

  // False when it cannot be written as HTTP: a status outside 200-599, a header that would split
  // the response, a body on a 204 or 304.
  static bool valid_record(const HttpResponse& record) {
    if (record.status < 200 || record.status > 599) return false;
    const bool bodiless = record.status == 204 || record.status == 304;
    if (bodiless && (!record.body.empty() || !record.pieces.empty())) return false;
    if (!record.content_type.empty() && !valid_header("Content-Type", record.content_type)) return false;
    return std::all_of(record.headers.begin(), record.headers.end(),
                       [](const auto& field) { return valid_header(field.first, field.second); });
  }

  // The status line and fields of `record` on `message`.
  template <typename Body>
  void set_header(http::response<Body>& message, const HttpResponse& record, bool keep_alive) const {
    message.version(version_ == 10 ? 10 : 11);
    message.result(record.status);
    const bool bodiless = record.status == 204 || record.status == 304;
    if (!record.content_type.empty() && !bodiless) message.set(http::field::content_type, record.content_type);
    for (const auto& [name, value] : record.headers) {
      if (!owned_by_server(name)) message.insert(name, value);
    }
    message.keep_alive(keep_alive);
  }

  // False (and the record untouched) when it cannot be written as HTTP (valid_record).
  bool build_response(HttpResponse& record, bool keep_alive) {
    if (!valid_record(record) || !record.pieces.empty()) return false;
    response_ = {};
    set_header(response_, record, keep_alive);
    response_.body() = std::move(record.body);
    // A 204 or 304 carries no Content-Length (RFC 9110 8.6); its end is known without one.
    if (record.status != 204 && record.status != 304) response_.prepare_payload();
    if (request_.method == "HEAD") {
      // The length a GET would send, and no body (RFC 9110 9.3.2): a body here would be read as
      // the start of the next response on a kept-alive connection.
      response_.body().clear();
    }
    return true;
  }

  // A body sent as it is read (HttpResponse::pieces): the files' sizes make the Content-Length,
  // then each piece goes out a chunk at a time, a file opened only when its turn comes (a study
  // of thousands of instances holds one descriptor).
  void stream(HttpResponse record, bool keep_alive) {
    std::uint64_t length = 0;
    sizes_.clear();
    identities_.clear();
    for (const auto& piece : record.pieces) {
      std::uint64_t size = piece.bytes.size();
      struct stat info {};
      if (!piece.file.empty()) {
        if (::stat(piece.file.c_str(), &info) != 0 || !S_ISREG(info.st_mode)) {
          spdlog::error("portal: {} {}: {} cannot be read", request_.method, request_.target, piece.file);
          respond(error_response(Error{Errc::io_failed, request_.path, "a stored file cannot be read"}), keep_alive);
          return;
        }
        size = static_cast<std::uint64_t>(info.st_size);
      }
      sizes_.push_back(size);
      identities_.emplace_back(info.st_dev, info.st_ino);
      length += size;
    }
    // However slowly a reader takes it, the response is done within request_timeout plus a
    // second per MiB: one that takes less holds a connection and a descriptor no longer.
    response_deadline_ = std::chrono::steady_clock::now() + server_.config.request_timeout +
                         std::chrono::seconds(length / (std::uint64_t{1} << 20));
    pieces_ = std::move(record.pieces);
    piece_ = 0;
    offset_ = 0;
    streamed_ = {};
    set_header(streamed_, record, keep_alive);
    streamed_.content_length(length);
    streamed_.body().data = nullptr;
    streamed_.body().more = true;
    serializer_.emplace(streamed_);
    phase_ = Phase::writing;
    keep_alive_ = keep_alive;
    lowest().expires_after(server_.config.read_timeout);
    http::async_write_header(stream_, *serializer_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (self->closed_) return;
      if (ec) {
        self->close();
        return;
      }
      if (self->request_.method == "HEAD") {
        self->finish_stream({});  // the length, and no body (see build_response)
        return;
      }
      self->write_piece();
    });
  }

  // The next chunk of the streamed body, or its end.
  void write_piece() {
    auto& body = streamed_.body();
    while (piece_ < pieces_.size() && offset_ == sizes_[piece_]) next_piece();
    if (piece_ == pieces_.size()) {
      body.data = nullptr;
      body.more = false;
      http::async_write(stream_, *serializer_,
                        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->finish_stream(ec); });
      return;
    }
    const auto& piece = pieces_[piece_];
    const auto left = sizes_[piece_] - offset_;
    if (piece.file.empty()) {
      body.data = const_cast<char*>(piece.bytes.data() + offset_);  // NOLINT: Beast only reads it
      body.size = static_cast<std::size_t>(left);
    } else {
      if (file_ < 0 && !open_piece()) {
        spdlog::error("portal: {} {}: {} changed after its length was sent; closing the connection", request_.method,
                      request_.target, piece.file);
        close();
        return;
      }
      const auto wanted = static_cast<std::size_t>(std::min<std::uint64_t>(left, chunk_.size()));
      ssize_t got = 0;
      do {
        got = ::read(file_, chunk_.data(), wanted);
      } while (got < 0 && errno == EINTR);
      if (got <= 0) {
        // The length has gone out: a file that vanished or shrank can only cut the connection.
        spdlog::error("portal: {} {}: {} ended {} bytes early; closing the connection", request_.method,
                      request_.target, piece.file, left);
        close();
        return;
      }
      body.data = chunk_.data();
      body.size = static_cast<std::size_t>(got);
    }
    offset_ += body.size;
    body.more = true;
    // A peer that stops taking the body, or takes it too slowly.
    lowest().expires_at(std::min(std::chrono::steady_clock::now() + server_.config.read_timeout, response_deadline_));
    http::async_write(stream_, *serializer_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (self->closed_) return;
      if (ec && ec != http::error::need_buffer) {
        self->close();
        return;
      }
      self->write_piece();
    });
  }

  // Opens the current piece's file: the one that was measured, or nothing (replaced meanwhile).
  bool open_piece() {
    file_ = ::open(pieces_[piece_].file.c_str(), O_RDONLY | O_CLOEXEC);
    if (file_ < 0) return false;
    struct stat info {};
    if (::fstat(file_, &info) != 0 || info.st_dev != identities_[piece_].first ||
        info.st_ino != identities_[piece_].second || static_cast<std::uint64_t>(info.st_size) != sizes_[piece_]) {
      close_file();
      return false;
    }
    return true;
  }

  void next_piece() {
    close_file();
    ++piece_;
    offset_ = 0;
  }

  void finish_stream(beast::error_code ec) {
    close_file();
    pieces_.clear();
    serializer_.reset();
    streamed_ = {};
    after_response(ec == http::error::need_buffer ? beast::error_code{} : ec);
  }

  void close_file() {
    if (file_ >= 0) ::close(file_);
    file_ = -1;
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
    close_file();
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
  std::optional<http::request_parser<http::file_body>> file_parser_;  // a body spooled to a file (spool_body)
  std::uint64_t body_allowed_ = 0;                                    // the body limit of the request being read
  http::response<http::string_body> response_;
  // A streamed response (stream()): the message, its serializer, the pieces with their sizes,
  // where the writing is, and the file being read.
  http::response<http::buffer_body> streamed_;
  std::optional<http::response_serializer<http::buffer_body>> serializer_;
  std::vector<BodyPiece> pieces_;
  std::vector<std::uint64_t> sizes_;
  std::vector<std::pair<dev_t, ino_t>> identities_;  // of each file as measured
  std::chrono::steady_clock::time_point response_deadline_;
  std::size_t piece_ = 0;
  std::uint64_t offset_ = 0;
  int file_ = -1;
  std::array<char, std::size_t{64} * 1024> chunk_{};
  HttpRequest request_;  // reused: the peer is set once
  std::array<char, std::size_t{16} * 1024> scratch_{};
  unsigned version_ = 11;
  Phase phase_ = kTls ? Phase::handshake : Phase::idle;
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
  // Until a session exists this gives back what admit() counted; from then on its destructor does.
  std::shared_ptr<Connection> session;
  try {
    if (server.tls) {
      session = std::make_shared<Session<TlsStream>>(server, std::move(socket), address);
    } else {
      session = std::make_shared<Session<PlainStream>>(server, std::move(socket), address);
    }
  } catch (...) {
    server.session_ended(address);
    throw;
  }
  session->start();
  return session;
}

}  // namespace radloop::portal::internal
