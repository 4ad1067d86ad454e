// MLLP server and client over real loopback sockets on ephemeral ports.
#include "reference/mllp/server.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "reference/mllp/client.hpp"

namespace radloop::mllp {
namespace {

using namespace std::chrono_literals;

std::unique_ptr<Server> start_echo_server(ServerConfig config = {}) {
  auto server = Server::start(std::move(config), [](const InboundMessage& m) { return "ACK:" + m.payload; });
  EXPECT_TRUE(server.ok()) << server.error().message();
  return std::move(server).value();
}

std::unique_ptr<Client> connect_to(const Server& server, std::chrono::milliseconds reply_timeout = 5s) {
  auto client = Client::connect(ClientConfig{"127.0.0.1", server.port(), 2s, reply_timeout, kDefaultMaxFrameBytes});
  EXPECT_TRUE(client.ok()) << client.error().message();
  return std::move(client).value();
}

TEST(MllpServer, RepliesToEachFramedMessageInOrder) {
  auto server = start_echo_server();
  ASSERT_NE(server->port(), 0);
  auto client = connect_to(*server);
  for (int i = 0; i < 5; ++i) {
    auto reply = client->exchange("m" + std::to_string(i));
    ASSERT_TRUE(reply.ok()) << reply.error().message();
    EXPECT_EQ(*reply, "ACK:m" + std::to_string(i));
  }
  server->stop();  // a reply is counted when its write completes, which may trail the client's read
  EXPECT_EQ(server->stats().messages_received, 5U);
  EXPECT_EQ(server->stats().replies_sent, 5U);
}

TEST(MllpServer, HandlesTwoMessagesSentInOneWrite) {
  auto server = start_echo_server();
  auto client = connect_to(*server);
  ASSERT_TRUE(client->send_raw(frame("a") + frame("b")));
  EXPECT_EQ(client->receive().value(), "ACK:a");
  EXPECT_EQ(client->receive().value(), "ACK:b");
}

TEST(MllpServer, ReassemblesAFrameSentOneByteAtATime) {
  auto server = start_echo_server();
  auto client = connect_to(*server);
  for (char c : frame("MSH|split")) ASSERT_TRUE(client->send_raw(std::string(1, c)));
  EXPECT_EQ(client->receive().value(), "ACK:MSH|split");
}

TEST(MllpServer, DiscardsBytesBeforeTheStartBlockAndCountsThem) {
  auto server = start_echo_server();
  auto client = connect_to(*server);
  ASSERT_TRUE(client->send_raw("GET / HTTP/1.0\r\n" + frame("real")));
  EXPECT_EQ(client->receive().value(), "ACK:real");
  EXPECT_EQ(server->stats().bytes_discarded, 16U);
}

TEST(MllpServer, ClosesTheConnectionOnAnOversizedFrame) {
  ServerConfig config;
  config.max_frame_bytes = 1024;
  auto server = start_echo_server(config);
  auto client = connect_to(*server);
  auto sent = client->send_raw("\x0b" + std::string(4096, 'x'));
  auto reply = client->receive();
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.error().code, Errc::connection_closed);
  EXPECT_EQ(server->stats().connections_dropped, 1U);
  EXPECT_EQ(server->stats().messages_received, 0U);
  // The server itself is unharmed.
  EXPECT_EQ(connect_to(*server)->exchange("after").value(), "ACK:after");
}

TEST(MllpServer, ClosesAnIdleConnection) {
  ServerConfig config;
  config.idle_timeout = 200ms;
  auto server = start_echo_server(config);
  auto client = connect_to(*server);
  auto reply = client->receive();  // nothing sent: the server gives up first
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.error().code, Errc::connection_closed);
  EXPECT_EQ(server->stats().connections_dropped, 1U);
}

TEST(MllpServer, SendsTheReplyOnlyAfterTheHandlerReturns) {
  std::atomic<bool> handler_done{false};
  auto server = Server::start({}, [&](const InboundMessage&) {
                  std::this_thread::sleep_for(100ms);
                  handler_done = true;
                  return std::string("late");
                }).value();
  auto client = connect_to(*server);
  auto reply = client->exchange("x");
  ASSERT_TRUE(reply.ok());
  EXPECT_TRUE(handler_done);
}

TEST(MllpServer, ServesConcurrentConnections) {
  auto server = start_echo_server();
  std::vector<std::thread> senders;
  std::atomic<int> good{0};
  for (int c = 0; c < 8; ++c) {
    senders.emplace_back([&, c] {
      auto client = Client::connect(ClientConfig{"127.0.0.1", server->port()}).value();
      for (int i = 0; i < 20; ++i) {
        const auto payload = std::to_string(c) + ":" + std::to_string(i);
        if (client->exchange(payload).value() == "ACK:" + payload) ++good;
      }
    });
  }
  for (auto& t : senders) t.join();
  EXPECT_EQ(good, 160);
}

TEST(MllpServer, AHandlerThatThrowsClosesTheConnectionWithoutAReply) {
  auto server = Server::start({}, [](const InboundMessage& m) -> std::string {
                  if (m.payload == "boom") throw std::runtime_error("handler bug");
                  return "ok";
                }).value();
  auto client = connect_to(*server);
  auto reply = client->exchange("boom");
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(connect_to(*server)->exchange("fine").value(), "ok");
}

TEST(MllpServer, RefusesAnAddressItCannotBind) {
  ServerConfig config;
  config.bind_address = "not-an-address";
  auto server = Server::start(config, [](const InboundMessage&) { return std::string(); });
  ASSERT_FALSE(server.ok());
  EXPECT_EQ(server.error().code, Errc::invalid_config);
}

TEST(MllpClient, ReportsConnectFailureToAClosedPort) {
  std::uint16_t port = 0;
  {
    auto server = start_echo_server();
    port = server->port();
  }  // stopped: nothing listens there now
  auto client = Client::connect(ClientConfig{"127.0.0.1", port, 2s});
  ASSERT_FALSE(client.ok());
  EXPECT_EQ(client.error().code, Errc::connect_failed);
}

TEST(MllpClient, TimesOutWhenNoReplyComesAndSaysTheOutcomeIsUnknown) {
  auto server = Server::start({}, [](const InboundMessage&) {
                  std::this_thread::sleep_for(500ms);
                  return std::string("too late");
                }).value();
  auto client = connect_to(*server, 100ms);
  auto reply = client->exchange("x");
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.error().code, Errc::reply_timeout);
}

}  // namespace
}  // namespace radloop::mllp
