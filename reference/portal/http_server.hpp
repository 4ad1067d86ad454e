// The portal's HTTP/1.1 server on Boost.Beast: plain request and response records in, one handler,
// bearer-token access with a holder per token, refusal of what a web page could send, and limits
// that turn hostile input into a 4xx instead of a crash.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "reference/core/result.hpp"
#include "reference/core/tls.hpp"
#include "reference/portal/access.hpp"

namespace radloop::portal {

// A request body the server kept in a file instead of memory (HttpServerConfig::spool), mapped
// read-only for the handler. The file was unlinked when it was made: it goes when the last
// reference does, and a crash leaves nothing behind.
class SpooledBody {
 public:
  // Maps what was written to `fd` (which stays the caller's to close).
  static Result<std::shared_ptr<const SpooledBody>> map(int fd);
  ~SpooledBody();
  SpooledBody(const SpooledBody&) = delete;
  SpooledBody& operator=(const SpooledBody&) = delete;
  SpooledBody(SpooledBody&&) = delete;
  SpooledBody& operator=(SpooledBody&&) = delete;

  [[nodiscard]] std::string_view bytes() const { return {static_cast<const char*>(data_), size_}; }

 private:
  SpooledBody(void* data, std::size_t size) : data_(data), size_(size) {}
  void* data_;
  std::size_t size_;
};

struct HttpRequest {
  std::string method;                             // "GET", as sent (methods are case-sensitive)
  std::string target;                             // as sent: "/fhir/Patient?name=a%20b"
  std::string path;                               // percent-decoded, without the query: "/fhir/Patient"
  std::multimap<std::string, std::string> query;  // decoded, '+' read as a space
  std::map<std::string, std::string> headers;     // lowercase names; repeated fields joined with ", "
  std::string body;
  std::shared_ptr<const SpooledBody> spooled;  // set: the body is here, and `body` is empty
  std::string peer;                            // "address:port"
  // The holder of the token the request came with (HttpServerConfig::credentials); empty when
  // the portal takes no tokens, or on a public path without one. Audits name this holder.
  std::string credential;
  bool tokens_required = false;  // the portal takes tokens (a public path may come without one)

  // The body, wherever the server kept it.
  [[nodiscard]] std::string_view body_bytes() const { return spooled ? spooled->bytes() : std::string_view(body); }
};

// One piece of a body sent as it is read: bytes, or a whole file.
struct BodyPiece {
  std::string bytes;
  std::string file;  // set: this file's contents, read as they are sent, instead of `bytes`
};

struct HttpResponse {
  unsigned status = 200;
  std::string content_type = "application/json";  // empty: no Content-Type header
  std::string body;
  // Extra fields (Location, Allow, ETag...). Content-Length, Transfer-Encoding and Connection
  // belong to the server and are ignored here.
  std::vector<std::pair<std::string, std::string>> headers;
  // A body too large to hold (WADO-RS: a study's files), sent piece by piece as it is read, with
  // a Content-Length from the files' sizes when the response goes out; `body` must then be empty.
  // A file that cannot be read then is a 500; one that ends early while it is sent cuts the
  // connection (its length has been announced).
  std::vector<BodyPiece> pieces;
};

HttpResponse json_response(unsigned status, std::string body);

// The catalogue row's HTTP status, and {"error":{"code":"...","where":"...","detail":"..."}}.
HttpResponse error_response(const Error& error);

// Called on a server thread, so at most HttpServerConfig::threads run at once; may block. If it
// throws, the client gets a 500 JSON error and the server keeps running.
using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;

struct HttpServerConfig {
  std::string bind_address = "127.0.0.1";
  std::uint16_t port = 0;  // 0 = ephemeral; read the bound port from HttpServer::port()
  // Empty: no access check, allowed only on a loopback address, and only requests addressed to
  // this machine are answered (access.hpp, browser_refusal). Set: every request outside
  // public_paths must carry "Authorization: Bearer <token>" with one of these tokens, each at
  // least kMinTokenLength characters.
  std::vector<Credential> credentials;
  std::size_t max_body_bytes = std::size_t{64} * 1024 * 1024;
  // Which requests may carry a body, and how large (never above max_body_bytes); 0: none. A body
  // announced on any other request is refused (413) before a byte of it is read, so neither a
  // public path nor a route with no use for one can be made to buffer an upload. Unset: every
  // request may send up to max_body_bytes.
  std::function<std::size_t(std::string_view method, std::string_view path)> body_limit;
  // Which bodies go to a file instead of memory (large uploads: STOW-RS), so that connections
  // sending max_body_bytes at once hold disk, not memory. The file is made in spool_directory
  // (empty: the system's temporary directory) and unlinked at once. Unset: every body in memory.
  std::function<bool(std::string_view method, std::string_view path)> spool;
  std::string spool_directory;
  // Past this many open connections the server stops accepting (the kernel queues the rest)
  // until one closes.
  unsigned max_connections = 64;
  // And past this many from one address, that address's next connections are closed at once:
  // one host cannot hold every place by trickling (a proxy in front would need it raised).
  unsigned max_connections_per_peer = 16;
  // A request line and headers must arrive whole within this; a body must make progress at
  // least this often; an idle keep-alive connection is closed after it.
  std::chrono::seconds read_timeout{30};
  // And a body must arrive whole within this, however steadily it trickles (64 MiB at 1 MB/s
  // takes about a minute). Past it: 408 and the connection closed.
  std::chrono::seconds request_timeout{300};
  // Served without a token. "/" matches the root only; another entry ending in '/' matches
  // every path under it ("/console/"); any other entry matches exactly.
  std::vector<std::string> public_paths;
  unsigned threads = 2;
  // HTTPS: every connection is TLS 1.2 or later with this certificate and key; with ca_file,
  // client certificates are asked for and checked (required with require_client_certificate).
  // The handshake must finish within read_timeout. Unset: plain HTTP.
  std::optional<ServerTls> tls;
  // How long stop() lets requests in flight finish before it cuts their connections.
  std::chrono::milliseconds drain_timeout{10'000};
};

// What start() refuses before it binds anything: a bad address, no token off loopback, a short
// or ownerless token, a public path not starting with '/', a limit of 0, a timeout outside 1 s to
// a day, TLS files that cannot be read or do not belong together. A daemon checks this before it
// starts anything else.
Result<void> check_config(const HttpServerConfig& config);

class HttpServer {
 public:
  // Fails with invalid_config (bad address, public path not starting with '/', a credential
  // without a holder or with a short token), bind_failed, or portal_token_required when
  // bind_address is not loopback and there are no credentials.
  static Result<std::unique_ptr<HttpServer>> start(HttpServerConfig config, HttpHandler handler);
  ~HttpServer();  // stops
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;
  HttpServer(HttpServer&&) = delete;
  HttpServer& operator=(HttpServer&&) = delete;

  [[nodiscard]] std::uint16_t port() const;

  // Graceful stop: no new connections; idle connections close at once; a request being read or
  // handled is answered (with "Connection: close") and its connection closed. After
  // drain_timeout the rest are cut. Returns when every server thread has ended. Call it from
  // outside the handler.
  void stop();

  class Impl;

 private:
  explicit HttpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace radloop::portal
