// The portal's HTTP server over TLS, on loopback with certificates made in the test: requests
// over HTTPS with keep-alive, a plain-HTTP client on the HTTPS port, client certificates asked
// for and required, a silent client cut at the handshake deadline, and files refused at start.
#include <gtest/gtest.h>

#include <array>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "tests/cpp/mllp/test_certificates.hpp"
#include "tests/cpp/portal/http_server_fixture.hpp"

namespace radloop::portal {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using mllp::testing::CertificateFiles;
using mllp::testing::TestCertificates;
using testing::body_of;
using testing::start_server;
using namespace std::chrono_literals;

// A blocking HTTPS client: connect and handshake, then requests on the one connection.
class TlsClient {
 public:
  // Trusts `ca` and checks "localhost"; presents `certificate` when given.
  TlsClient(std::uint16_t port, const std::string& ca, const std::optional<CertificateFiles>& certificate = {},
            SSL_SESSION* resume = nullptr)
      : context_(ssl::context::tls_client) {
    context_.load_verify_file(ca);
    context_.set_verify_mode(ssl::verify_peer);
    if (certificate) {
      context_.use_certificate_chain_file(certificate->certificate);
      context_.use_private_key_file(certificate->private_key, ssl::context::pem);
    }
    stream_.emplace(io_, context_);
    if (resume != nullptr) SSL_set_session(stream_->native_handle(), resume);
    stream_->set_verify_callback(ssl::host_name_verification("localhost"));
    beast::get_lowest_layer(*stream_).expires_after(10s);
    beast::get_lowest_layer(*stream_).connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
    stream_->handshake(ssl::stream_base::client, handshake_error_);
  }

  [[nodiscard]] const beast::error_code& handshake_error() const { return handshake_error_; }

  std::optional<http::response<http::string_body>> get(const std::string& target, bool keep_alive = true) {
    http::request<http::empty_body> request(http::verb::get, target, 11);
    request.keep_alive(keep_alive);
    return exchange(request);
  }

  // Sends a request with a body all at once, then reads what comes back.
  std::optional<http::response<http::string_body>> post(const std::string& target, std::string body) {
    http::request<http::string_body> request(http::verb::post, target, 11);
    request.body() = std::move(body);
    request.prepare_payload();
    return exchange(request);
  }

  // The session to offer the next connection (resumption); null before a handshake.
  [[nodiscard]] SSL_SESSION* session() { return SSL_get1_session(stream_->native_handle()); }
  [[nodiscard]] bool resumed() { return SSL_session_reused(stream_->native_handle()) == 1; }

  template <typename Body>
  std::optional<http::response<http::string_body>> exchange(http::request<Body>& request) {
    request.set(http::field::host, "localhost");
    beast::error_code ec;
    beast::get_lowest_layer(*stream_).expires_after(10s);
    http::write(*stream_, request, ec);
    if (ec) return std::nullopt;
    http::response<http::string_body> response;
    http::read(*stream_, buffer_, response, ec);
    if (ec) return std::nullopt;
    return response;
  }

  void shut_down() {
    beast::error_code ignored;
    stream_->shutdown(ignored);
  }

  // What reading after the server closed gives: end of stream after its close_notify.
  beast::error_code read_after_close() {
    beast::error_code ec;
    std::array<char, 64> scratch{};
    beast::get_lowest_layer(*stream_).expires_after(10s);
    stream_->read_some(asio::buffer(scratch), ec);
    return ec;
  }

 private:
  asio::io_context io_;
  ssl::context context_;
  std::optional<beast::ssl_stream<beast::tcp_stream>> stream_;
  beast::flat_buffer buffer_;
  beast::error_code handshake_error_;
};

class PortalTls : public ::testing::Test {
 protected:
  [[nodiscard]] HttpServerConfig tls_config() const {
    HttpServerConfig config;
    config.tls = ServerTls{certificates_.server().certificate, certificates_.server().private_key};
    return config;
  }

  TestCertificates certificates_;
};

TEST_F(PortalTls, AnswersRequestsOverHttpsOnOneKeptAliveConnection) {
  auto server = start_server(tls_config());
  ASSERT_TRUE(server);
  TlsClient client(server->port(), certificates_.server().certificate);
  ASSERT_FALSE(client.handshake_error()) << client.handshake_error().message();
  for (const std::string target : {"/health", "/fhir/Patient?name=a%20b"}) {
    auto response = client.get(target);
    ASSERT_TRUE(response) << target;
    EXPECT_EQ(response->result_int(), 200U);
    EXPECT_EQ(body_of(*response)["target"], target);
  }
  auto last = client.get("/last", false);
  ASSERT_TRUE(last);
  EXPECT_EQ(last->result_int(), 200U);
  // Connection: close is answered, then TLS is closed properly (close_notify), not cut.
  const auto end = client.read_after_close();
  EXPECT_EQ(end, asio::error::eof) << end.message() << " (expected a clean TLS end)";
}

TEST_F(PortalTls, AClientThatDoesNotTrustTheCertificateGetsNothing) {
  auto server = start_server(tls_config());
  ASSERT_TRUE(server);
  TlsClient client(server->port(), certificates_.stranger().certificate);
  EXPECT_TRUE(client.handshake_error());
}

TEST_F(PortalTls, PlainHttpOnTheHttpsPortIsClosedAndTheServerKeepsServing) {
  auto server = start_server(tls_config());
  ASSERT_TRUE(server);
  {
    asio::io_context io;
    beast::tcp_stream plain(io);
    plain.expires_after(10s);
    plain.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), server->port()));
    http::request<http::empty_body> request(http::verb::get, "/health", 11);
    request.set(http::field::host, "localhost");
    http::write(plain, request);
    http::response<http::string_body> response;
    beast::flat_buffer buffer;
    beast::error_code ec;
    http::read(plain, buffer, response, ec);
    EXPECT_TRUE(ec) << "a plain request on the HTTPS port was answered " << response.result_int();
  }
  TlsClient client(server->port(), certificates_.server().certificate);
  ASSERT_FALSE(client.handshake_error()) << client.handshake_error().message();
  auto response = client.get("/health");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->result_int(), 200U);
}

TEST_F(PortalTls, ARequiredClientCertificateIsChecked) {
  auto config = tls_config();
  config.tls->ca_file = certificates_.client().certificate;  // self-signed: its own CA
  config.tls->require_client_certificate = true;
  auto server = start_server(config);
  ASSERT_TRUE(server);

  // TLS 1.3 sends the server's refusal after the client's handshake ends: the first exchange
  // fails either way.
  TlsClient without(server->port(), certificates_.server().certificate);
  EXPECT_TRUE(without.handshake_error() || !without.get("/health"));
  TlsClient stranger(server->port(), certificates_.server().certificate, certificates_.stranger());
  EXPECT_TRUE(stranger.handshake_error() || !stranger.get("/health"));

  TlsClient with(server->port(), certificates_.server().certificate, certificates_.client());
  ASSERT_FALSE(with.handshake_error()) << with.handshake_error().message();
  auto response = with.get("/health");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->result_int(), 200U);
}

// A refusal before the body is read (here: a route that takes none) reaches the client although
// its body is still arriving when the server closes: over TLS too, the rest is read and dropped
// rather than answered with a reset that would destroy the response.
TEST_F(PortalTls, ARefusalReachesAClientStillSendingItsBody) {
  auto config = tls_config();
  config.body_limit = [](std::string_view, std::string_view) { return std::size_t{0}; };
  auto server = start_server(config);
  ASSERT_TRUE(server);
  TlsClient client(server->port(), certificates_.server().certificate);
  ASSERT_FALSE(client.handshake_error()) << client.handshake_error().message();
  auto response = client.post("/review/1/link", std::string(std::size_t{1} << 20, 'x'));
  ASSERT_TRUE(response) << "the 413 was lost";
  EXPECT_EQ(response->result_int(), 413U);
}

// Clients resume sessions (browsers do on every new connection); with client certificates
// checked, OpenSSL refuses that unless the server names a session context.
TEST_F(PortalTls, AClientResumesItsSessionWhenClientCertificatesAreChecked) {
  auto config = tls_config();
  config.tls->ca_file = certificates_.client().certificate;
  auto server = start_server(config);
  ASSERT_TRUE(server);
  SSL_SESSION* session = nullptr;
  {
    TlsClient first(server->port(), certificates_.server().certificate, certificates_.client());
    ASSERT_FALSE(first.handshake_error()) << first.handshake_error().message();
    // Under TLS 1.3 the session ticket comes after the handshake; and a session is resumable only
    // from a connection closed properly.
    ASSERT_TRUE(first.get("/health", false));
    EXPECT_EQ(first.read_after_close(), asio::error::eof);
    first.shut_down();
    session = first.session();
  }
  ASSERT_NE(session, nullptr);
  TlsClient second(server->port(), certificates_.server().certificate, certificates_.client(), session);
  SSL_SESSION_free(session);
  ASSERT_FALSE(second.handshake_error()) << second.handshake_error().message();
  auto response = second.get("/health");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->result_int(), 200U);
  EXPECT_TRUE(second.resumed());
}

TEST_F(PortalTls, AClientThatNeverHandshakesIsCutAtTheReadTimeout) {
  auto config = tls_config();
  config.read_timeout = 1s;
  auto server = start_server(config);
  ASSERT_TRUE(server);
  asio::io_context io;
  beast::tcp_stream silent(io);
  silent.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), server->port()));
  // No deadline is asserted: only that the server closes (the stream's own expiry is far later).
  silent.expires_after(60s);
  std::array<char, 16> scratch{};
  beast::error_code ec;
  silent.read_some(asio::buffer(scratch), ec);
  EXPECT_TRUE(ec == asio::error::eof || ec == asio::error::connection_reset) << ec.message();
}

TEST_F(PortalTls, UnreadableOrMismatchedFilesAreRefusedBeforeAnythingListens) {
  auto missing = tls_config();
  missing.tls->certificate_chain_file = "/nonexistent/portal.pem";
  auto checked = check_config(missing);
  ASSERT_FALSE(checked.ok());
  EXPECT_EQ(checked.error().code, Errc::invalid_config);
  EXPECT_NE(checked.error().message().find("/nonexistent/portal.pem"), std::string::npos);

  auto mismatched = tls_config();
  mismatched.tls->private_key_file = certificates_.stranger().private_key;
  EXPECT_FALSE(check_config(mismatched).ok());
  EXPECT_FALSE(HttpServer::start(mismatched, testing::echo).ok());

  auto no_ca = tls_config();
  no_ca.tls->require_client_certificate = true;
  EXPECT_FALSE(check_config(no_ca).ok());
}

}  // namespace
}  // namespace radloop::portal
