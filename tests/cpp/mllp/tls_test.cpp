// MLLP over TLS on loopback, with certificates made in the test: trusted exchange, refused
// certificates and names, mutual TLS, a plain-TCP peer on the TLS port, and the sender over TLS.
#include <gtest/gtest.h>

#include <thread>

#include "reference/mllp/client.hpp"
#include "reference/mllp/sender.hpp"
#include "reference/mllp/server.hpp"
#include "tests/cpp/mllp/test_certificates.hpp"
#include "tests/cpp/mllp/test_support.hpp"

namespace radloop::mllp {
namespace {

using namespace std::chrono_literals;
using testing::eventually;
using testing::TestCertificates;

class MllpTls : public ::testing::Test {
 protected:
  std::unique_ptr<Server> start_server(std::optional<ServerTls> tls = std::nullopt) {
    ServerConfig config;
    config.tls = tls ? *tls : ServerTls{certificates_.server().certificate, certificates_.server().private_key};
    auto server = testing::start_echo_server(config);
    return server;
  }

  // A client that trusts the server's certificate and checks the name "localhost".
  [[nodiscard]] ClientConfig trusting_client(std::uint16_t port) const {
    auto config = testing::client_config(port);
    config.tls = ClientTls{.ca_file = certificates_.server().certificate, .server_name = "localhost"};
    return config;
  }

  static Result<std::string> exchange(const ClientConfig& config, std::string_view payload) {
    auto client = Client::connect(config);
    if (!client) return client.error();
    return client.value()->exchange(payload);
  }

  TestCertificates certificates_;
};

TEST_F(MllpTls, ExchangesMessagesWithAClientThatTrustsTheCertificate) {
  auto server = start_server();
  auto client = Client::connect(trusting_client(server->port()));
  ASSERT_TRUE(client.ok()) << client.error().message();
  for (int i = 0; i < 3; ++i) {
    auto reply = client.value()->exchange("MSH|" + std::to_string(i));
    ASSERT_TRUE(reply.ok()) << reply.error().message();
    EXPECT_EQ(*reply, "ACK:MSH|" + std::to_string(i));
  }
  EXPECT_EQ(server->stats().tls_handshakes_failed, 0U);
}

TEST_F(MllpTls, ChecksTheAddressWhenNoServerNameIsGiven) {
  auto server = start_server();
  auto config = trusting_client(server->port());
  config.tls->server_name.clear();  // 127.0.0.1 is checked against the certificate's IP entry
  EXPECT_EQ(exchange(config, "by address").value(), "ACK:by address");
}

TEST_F(MllpTls, AClientThatDoesNotTrustTheCertificateFailsTheHandshakeAndTheServerSurvives) {
  auto server = start_server();
  auto config = trusting_client(server->port());
  config.tls->ca_file = certificates_.stranger().certificate;
  auto client = Client::connect(config);
  ASSERT_FALSE(client.ok());
  EXPECT_EQ(client.error().code, Errc::tls_handshake_failed);
  EXPECT_NE(client.error().detail.find("certificate verify failed"), std::string::npos) << client.error().message();
  EXPECT_TRUE(eventually([&] { return server->stats().tls_handshakes_failed == 1; }));
  EXPECT_EQ(exchange(trusting_client(server->port()), "after").value(), "ACK:after");
}

TEST_F(MllpTls, AClientExpectingAnotherNameFailsTheHandshake) {
  auto server = start_server();
  auto config = trusting_client(server->port());
  config.tls->server_name = "pacs.example.org";
  auto client = Client::connect(config);
  ASSERT_FALSE(client.ok());
  EXPECT_EQ(client.error().code, Errc::tls_handshake_failed);
  EXPECT_NE(client.error().detail.find("mismatch"), std::string::npos) << client.error().message();
}

TEST_F(MllpTls, AClientThatDoesNotVerifyConnectsToAnyCertificate) {
  ServerConfig config;
  config.tls = ServerTls{certificates_.stranger().certificate, certificates_.stranger().private_key};
  auto server = testing::start_echo_server(config);
  auto client_config = testing::client_config(server->port());
  client_config.tls = ClientTls{.verify_peer = false};
  EXPECT_EQ(exchange(client_config, "unverified").value(), "ACK:unverified");
}

TEST_F(MllpTls, APlainTcpClientDoesNotHarmTheTlsServer) {
  auto server = start_server();
  auto plain = Client::connect(testing::client_config(server->port()));
  ASSERT_TRUE(plain.ok());  // TCP connects; the MLLP frame is no TLS ClientHello
  auto reply = plain.value()->exchange("MSH|plain");
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.error().code, Errc::connection_closed);
  EXPECT_TRUE(eventually([&] { return server->stats().tls_handshakes_failed == 1; }));
  EXPECT_EQ(server->stats().messages_received, 0U);
  EXPECT_EQ(exchange(trusting_client(server->port()), "after").value(), "ACK:after");
}

TEST_F(MllpTls, ATlsClientAgainstAPlainServerFailsTheHandshake) {
  auto server = testing::start_echo_server();
  auto config = trusting_client(server->port());
  config.connect_timeout = 2s;  // the plain server waits for a frame, never answers the ClientHello
  auto client = Client::connect(config);
  ASSERT_FALSE(client.ok());
  EXPECT_EQ(client.error().code, Errc::tls_handshake_failed);
  EXPECT_EQ(testing::connect_to(*server)->exchange("plain").value(), "ACK:plain");
}

TEST_F(MllpTls, RequiresAClientCertificateWhenConfigured) {
  auto server = start_server(ServerTls{certificates_.server().certificate, certificates_.server().private_key,
                                       certificates_.client().certificate, true});
  // Without a certificate: refused, at the handshake or (TLS 1.3) at the first read.
  EXPECT_FALSE(exchange(trusting_client(server->port()), "anonymous").ok());
  EXPECT_TRUE(eventually([&] { return server->stats().tls_handshakes_failed == 1; }));
  // With a certificate it does not know: refused too.
  auto stranger = trusting_client(server->port());
  stranger.tls->certificate_chain_file = certificates_.stranger().certificate;
  stranger.tls->private_key_file = certificates_.stranger().private_key;
  EXPECT_FALSE(exchange(stranger, "stranger").ok());
  // With the expected one: served.
  auto known = trusting_client(server->port());
  known.tls->certificate_chain_file = certificates_.client().certificate;
  known.tls->private_key_file = certificates_.client().private_key;
  EXPECT_EQ(exchange(known, "known").value(), "ACK:known");
  EXPECT_EQ(server->stats().messages_received, 1U);
}

TEST_F(MllpTls, AServerWithUnusableFilesDoesNotStart) {
  ServerConfig missing;
  missing.tls = ServerTls{"/nonexistent/server.crt", certificates_.server().private_key};
  auto server = Server::start(missing, [](const InboundMessage&) { return std::string(); });
  ASSERT_FALSE(server.ok());
  EXPECT_EQ(server.error().code, Errc::invalid_config);

  ServerConfig mismatched;
  mismatched.tls = ServerTls{certificates_.server().certificate, certificates_.client().private_key};
  server = Server::start(mismatched, [](const InboundMessage&) { return std::string(); });
  ASSERT_FALSE(server.ok());
  EXPECT_EQ(server.error().code, Errc::invalid_config);
  EXPECT_EQ(server.error().where, "tls.private_key_file") << server.error().message();
}

TEST_F(MllpTls, TheSenderDeliversOverTls) {
  auto server = start_server();
  SenderConfig config;
  config.port = server->port();
  config.tls = trusting_client(server->port()).tls;
  auto sender = Sender::start(config).value();
  auto first = sender->submit("one");
  auto second = sender->submit("two");
  EXPECT_EQ(first.get().reply, "ACK:one");
  EXPECT_EQ(second.get().reply, "ACK:two");
  EXPECT_EQ(server->stats().connections_accepted, 1U);
}

TEST_F(MllpTls, AnUntrustedServerIsRefusedBySenderAfterEveryAttempt) {
  auto server = start_server();
  SenderConfig config;
  config.port = server->port();
  config.tls = ClientTls{.ca_file = certificates_.stranger().certificate, .server_name = "localhost"};
  config.max_attempts = 2;
  config.initial_backoff = 5ms;
  auto sender = Sender::start(config).value();
  const auto result = sender->submit("never").get();
  EXPECT_EQ(result.outcome, SendOutcome::refused);
  EXPECT_EQ(result.attempts, 2U);
  ASSERT_TRUE(result.last_error.has_value());
  EXPECT_EQ(result.last_error->code, Errc::tls_handshake_failed);
}

TEST_F(MllpTls, StopDrainsATlsConnection) {
  ServerConfig config;
  config.tls = ServerTls{certificates_.server().certificate, certificates_.server().private_key};
  auto server = Server::start(config, [](const InboundMessage& m) {
                  std::this_thread::sleep_for(200ms);
                  return "ACK:" + m.payload;
                }).value();
  auto client = Client::connect(trusting_client(server->port())).value();
  ASSERT_TRUE(client->send_raw(frame("slow")));
  ASSERT_TRUE(eventually([&] { return server->stats().messages_received == 1; }));
  std::thread stopper([&] { server->stop(); });
  EXPECT_EQ(client->receive().value(), "ACK:slow");
  stopper.join();
  EXPECT_EQ(server->stats().replies_sent, 1U);
}

}  // namespace
}  // namespace radloop::mllp
