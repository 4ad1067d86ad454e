// MLLP server over real loopback sockets on ephemeral ports: framing tolerance, rejection,
// concurrency. Graceful stop is in server_drain_test.cpp, TLS in tls_test.cpp.
#include "reference/mllp/server.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <mutex>
#include <thread>

#include "reference/mllp/client.hpp"
#include "tests/cpp/mllp/test_support.hpp"

namespace radloop::mllp {
namespace {

using namespace std::chrono_literals;
using testing::connect_to;
using testing::LogCapture;
using testing::RawPeer;
using testing::start_echo_server;

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
  ASSERT_TRUE(client->send_raw(frame("a") + frame("b") + frame("c")));
  EXPECT_EQ(client->receive().value(), "ACK:a");
  EXPECT_EQ(client->receive().value(), "ACK:b");
  EXPECT_EQ(client->receive().value(), "ACK:c");
}

TEST(MllpServer, ReassemblesAFrameSentOneByteAtATime) {
  auto server = start_echo_server();
  RawPeer peer(server->port());
  for (char c : frame("MSH|split")) {
    peer.write(std::string(1, c));
    std::this_thread::sleep_for(1ms);  // lets most bytes arrive in a read of their own
  }
  peer.shutdown_send();
  EXPECT_EQ(peer.read_until_closed(), frame("ACK:MSH|split"));
}

// The defect a scenario's split frames must catch: with it, the first read is taken for the message.
TEST(MllpServer, WithTheOneReadOneMessageDefectASplitFrameArrivesAsFragments) {
  ServerConfig config;
  config.one_read_one_message = true;
  auto server = start_echo_server(config);
  RawPeer peer(server->port());
  peer.write(std::string(1, '\x0b') + "MSH|fi");
  std::this_thread::sleep_for(50ms);  // a read of its own
  peer.write(std::string("rst") + '\x1c' + '\r');
  peer.shutdown_send();
  EXPECT_EQ(peer.read_until_closed(), frame("ACK:MSH|fi"));
}

TEST(MllpServer, ReassemblesMessagesSplitAcrossManyReadsAtEveryBoundary) {
  auto server = start_echo_server();
  auto client = connect_to(*server);
  const auto wire = frame("MSH|^~\\&|first") + frame("MSH|^~\\&|second");
  // Splits the two frames at every possible point, so a cut falls inside, between and on
  // each control character.
  for (std::size_t cut = 1; cut < wire.size(); ++cut) {
    ASSERT_TRUE(client->send_raw(wire.substr(0, cut)));
    std::this_thread::sleep_for(1ms);
    ASSERT_TRUE(client->send_raw(wire.substr(cut)));
    ASSERT_EQ(client->receive().value(), "ACK:MSH|^~\\&|first") << "cut at " << cut;
    ASSERT_EQ(client->receive().value(), "ACK:MSH|^~\\&|second") << "cut at " << cut;
  }
}

TEST(MllpServer, DiscardsBytesBeforeTheStartBlockCountsAndLogsThem) {
  LogCapture log;
  auto server = start_echo_server();
  auto client = connect_to(*server);
  ASSERT_TRUE(client->send_raw("GET / HTTP/1.0\r\n" + frame("real")));
  EXPECT_EQ(client->receive().value(), "ACK:real");
  EXPECT_EQ(server->stats().bytes_discarded, 16U);
  EXPECT_TRUE(log.contains("16 byte(s) outside any frame"));
}

TEST(MllpServer, HandlesAFrameEndingInFsWithoutCrWhenThePeerHalfCloses) {
  auto server = start_echo_server();
  RawPeer peer(server->port());
  peer.write("\x0bno-cr\x1c");
  peer.shutdown_send();  // end of stream right after <FS>: the <CR> never comes
  EXPECT_EQ(peer.read_until_closed(), frame("ACK:no-cr"));
}

TEST(MllpServer, HandlesAFrameEndingInFsWithoutCrWhenThePeerCloses) {
  std::promise<std::string> handled;
  auto server = Server::start({}, [&](const InboundMessage& m) {
                  handled.set_value(m.payload);
                  return std::string("ACK");
                }).value();
  {
    RawPeer peer(server->port());
    peer.write("\x0bgone\x1c");
    peer.close();  // no one is left to read the reply; the message is still handled
  }
  auto result = handled.get_future();
  ASSERT_EQ(result.wait_for(testing::kPatience), std::future_status::ready);
  EXPECT_EQ(result.get(), "gone");
}

TEST(MllpServer, ClosesTheConnectionOnAnOversizedFrameWithoutWaitingForItsEnd) {
  LogCapture log;
  ServerConfig config;
  config.max_frame_bytes = 1024;
  auto server = start_echo_server(config);
  RawPeer peer(server->port());
  // One byte past the limit and no end block ever: the server must not wait for one.
  peer.write("\x0b" + std::string(1025, 'x'));
  EXPECT_EQ(peer.read_until_closed(), "");
  EXPECT_EQ(server->stats().connections_dropped, 1U);
  EXPECT_EQ(server->stats().messages_received, 0U);
  EXPECT_TRUE(log.contains("exceeded the configured maximum size"));
  // The server itself is unharmed.
  EXPECT_EQ(connect_to(*server)->exchange("after").value(), "ACK:after");
}

TEST(MllpServer, AnswersTheFramesBeforeAnOversizedOneThenCloses) {
  ServerConfig config;
  config.max_frame_bytes = 64;
  auto server = start_echo_server(config);
  RawPeer peer(server->port());
  peer.write(frame("fine") + "\x0b" + std::string(100, 'x'));
  EXPECT_EQ(peer.read_until_closed(), frame("ACK:fine"));
  EXPECT_EQ(server->stats().connections_dropped, 1U);
}

TEST(MllpServer, AcceptsAFrameOfTheDefaultMaximumOf16MiB) {
  auto server = Server::start({}, [](const InboundMessage& m) { return std::to_string(m.payload.size()); }).value();
  auto client = connect_to(*server);
  EXPECT_EQ(client->exchange(std::string(kDefaultMaxFrameBytes, 'x')).value(), std::to_string(kDefaultMaxFrameBytes));
}

TEST(MllpServer, ClosesAnIdleConnectionAndLogsWhy) {
  LogCapture log;
  ServerConfig config;
  config.idle_timeout = 200ms;
  auto server = start_echo_server(config);
  auto client = connect_to(*server);
  auto reply = client->receive();  // nothing sent: the server gives up first
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.error().code, Errc::connection_closed);
  // Counted just after the close: the client may see the close first.
  EXPECT_TRUE(testing::eventually([&] { return server->stats().connections_dropped == 1; }));
  EXPECT_TRUE(log.contains("no whole message for more than 200 ms"));
}

TEST(MllpServer, KeepsAConnectionThatTalksWithinTheIdleTimeout) {
  ServerConfig config;
  config.idle_timeout = 2s;
  auto server = start_echo_server(config);
  auto client = connect_to(*server);
  // Together longer than the idle timeout, each gap well inside it.
  for (int i = 0; i < 6; ++i) {
    ASSERT_EQ(client->exchange("m").value(), "ACK:m");
    std::this_thread::sleep_for(500ms);
  }
  EXPECT_EQ(server->stats().connections_dropped, 0U);
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

TEST(MllpServer, ServesSixtyFourConcurrentClients) {
  constexpr int kClients = 64;
  constexpr int kExchanges = 10;
  auto server = start_echo_server();
  std::vector<std::thread> senders;
  senders.reserve(kClients);
  std::atomic<int> good{0};
  std::mutex failures_mutex;
  std::vector<std::string> failures;
  for (int c = 0; c < kClients; ++c) {
    senders.emplace_back([&, c] {
      auto client = Client::connect(testing::client_config(server->port()));
      if (!client) {
        std::lock_guard lock(failures_mutex);
        failures.push_back(client.error().message());
        return;
      }
      for (int i = 0; i < kExchanges; ++i) {
        const auto payload = std::to_string(c) + ":" + std::to_string(i);
        auto reply = client.value()->exchange(payload);
        if (reply && *reply == "ACK:" + payload) {
          ++good;
        } else {
          std::lock_guard lock(failures_mutex);
          failures.push_back(reply ? "wrong reply " + *reply : reply.error().message());
        }
      }
    });
  }
  for (auto& t : senders) t.join();
  EXPECT_EQ(good, kClients * kExchanges);
  EXPECT_TRUE(failures.empty()) << failures.front();
  server->stop();
  EXPECT_EQ(server->stats().connections_accepted, static_cast<std::uint64_t>(kClients));
  EXPECT_EQ(server->stats().replies_sent, static_cast<std::uint64_t>(kClients * kExchanges));
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

TEST(MllpServer, SurvivesGarbageAndAbruptCloses) {
  auto server = start_echo_server();
  for (const auto& garbage : {std::string("\x1c\r\x1c\x0b\x0b\x1c"), std::string(5000, '\0'),
                              std::string("\x0bunterminated"), std::string("\x16\x03\x01\x02")}) {
    RawPeer peer(server->port());
    peer.write(garbage);
    peer.close();
  }
  EXPECT_EQ(connect_to(*server)->exchange("still here").value(), "ACK:still here");
}

TEST(MllpServer, RefusesAnAddressItCannotBind) {
  ServerConfig config;
  config.bind_address = "not-an-address";
  auto server = Server::start(config, [](const InboundMessage&) { return std::string(); });
  ASSERT_FALSE(server.ok());
  EXPECT_EQ(server.error().code, Errc::invalid_config);
}

TEST(MllpServer, RefusesAPortAlreadyInUse) {
  auto first = start_echo_server();
  ServerConfig config;
  config.port = first->port();
  auto second = Server::start(config, [](const InboundMessage&) { return std::string(); });
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().code, Errc::bind_failed);
}

}  // namespace
}  // namespace radloop::mllp
