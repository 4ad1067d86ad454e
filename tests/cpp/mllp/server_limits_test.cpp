// What one peer, or many, can hold of the MLLP server: connections in all and per address, a
// trickle that cannot extend the idle or message deadline, and the bytes of unfinished frames
// across every connection. Over each limit the connection is closed, counted and logged, and
// everyone else is still served.
#include <gtest/gtest.h>

#include <thread>

#include "reference/mllp/client.hpp"
#include "reference/mllp/server.hpp"
#include "tests/cpp/mllp/test_support.hpp"

namespace radloop::mllp {
namespace {

using namespace std::chrono_literals;
using testing::connect_to;
using testing::eventually;
using testing::LogCapture;
using testing::RawPeer;
using testing::start_echo_server;

TEST(MllpServerLimits, ClosesConnectionsPastTheLimitAndServesAgainWhenOneEnds) {
  LogCapture log;
  ServerConfig config;
  config.max_connections = 3;
  auto server = start_echo_server(config);
  std::vector<std::unique_ptr<Client>> held;
  for (int i = 0; i < 3; ++i) {
    held.push_back(connect_to(*server));
    ASSERT_EQ(held.back()->exchange("m").value(), "ACK:m");
  }
  RawPeer fourth(server->port());
  EXPECT_EQ(fourth.read_until_closed(), "") << "closed at once, nothing said";
  EXPECT_EQ(server->stats().connections_refused, 1U);
  EXPECT_TRUE(log.contains("3 connections are open, the limit (max_connections)"));
  held.pop_back();
  ASSERT_TRUE(eventually([&] {
    auto client = connect_to(*server);
    auto reply = client->exchange("again");
    return reply.ok() && reply.value() == "ACK:again";
  }));
}

TEST(MllpServerLimits, OnePeerAddressCannotTakeEveryConnection) {
  ServerConfig config;
  config.max_connections_per_peer = 2;
  auto server = start_echo_server(config);
  RawPeer a(server->port(), "127.0.0.2");
  RawPeer b(server->port(), "127.0.0.2");
  ASSERT_TRUE(eventually([&] { return server->stats().connections_accepted == 2; }));
  RawPeer c(server->port(), "127.0.0.2");
  EXPECT_EQ(c.read_until_closed(), "");
  EXPECT_EQ(server->stats().connections_refused, 1U);
  EXPECT_EQ(connect_to(*server)->exchange("other peer").value(), "ACK:other peer") << "127.0.0.1 still served";
}

// Only the senders named may connect: another address is closed at once, with nothing said (no
// ACK tells a stranger anything), logged and counted.
TEST(MllpServerLimits, OnlyAllowedPeersAreServed) {
  LogCapture log;
  ServerConfig config;
  config.allowed_peers = {"127.0.0.0/31", "fd00::/8"};  // 127.0.0.0 and 127.0.0.1 only
  auto server = start_echo_server(config);
  RawPeer stranger(server->port(), "127.0.0.2");
  EXPECT_EQ(stranger.read_until_closed(), "") << "closed at once, nothing said";
  EXPECT_EQ(server->stats().connections_refused, 1U);
  EXPECT_TRUE(log.contains("127.0.0.2 is not in allowed_peers"));
  EXPECT_EQ(connect_to(*server)->exchange("ours").value(), "ACK:ours") << "127.0.0.1 is in 127.0.0.0/31";
}

TEST(MllpServerLimits, AnAllowedPeerThatIsNoAddressIsRefusedAtStart) {
  for (const auto* entry :
       {"10.0.0.300", "10.0.0.0/33", "10.0.0.0/", "ris.example", "::1/129", "fe80::1%eth0", "::ffff:10.0.0.0/104"}) {
    ServerConfig config;
    config.allowed_peers = {entry};
    auto server = Server::start(config, [](const InboundMessage&) { return std::string(); });
    ASSERT_FALSE(server.ok()) << entry;
    EXPECT_EQ(server.error().code, Errc::invalid_config) << entry;
    EXPECT_EQ(server.error().where, "allowed_peers") << entry;
  }
}

// One byte of a frame every 50 ms: never idle, yet the message is not whole within 300 ms.
TEST(MllpServerLimits, ATrickledMessageIsCutAtTheMessageDeadline) {
  LogCapture log;
  ServerConfig config;
  config.idle_timeout = 10s;
  config.message_timeout = 300ms;
  auto server = start_echo_server(config);
  RawPeer peer(server->port());
  peer.write("\x0b");
  const auto started = std::chrono::steady_clock::now();
  bool cut = false;
  for (int i = 0; i < 200 && !cut; ++i) {
    std::this_thread::sleep_for(50ms);
    try {
      peer.write("x");
    } catch (const boost::system::system_error&) {
      cut = true;
    }
    cut = cut || server->stats().connections_dropped == 1;
  }
  EXPECT_TRUE(cut);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 10s) << "cut long before the idle timeout";
  EXPECT_TRUE(eventually([&] { return log.contains("a message begun was not whole within 300 ms"); }));
}

// Bytes outside any frame are not activity: a trickle of them does not keep the connection.
TEST(MllpServerLimits, ATrickleOfStrayBytesDoesNotExtendTheIdleDeadline) {
  ServerConfig config;
  config.idle_timeout = 300ms;
  auto server = start_echo_server(config);
  RawPeer peer(server->port());
  bool cut = false;
  for (int i = 0; i < 200 && !cut; ++i) {
    std::this_thread::sleep_for(50ms);
    try {
      peer.write("\r");
    } catch (const boost::system::system_error&) {
      cut = true;
    }
    cut = cut || server->stats().connections_dropped == 1;
  }
  EXPECT_TRUE(cut);
}

TEST(MllpServerLimits, UnfinishedFramesTogetherCannotPassTheBufferBudget) {
  LogCapture log;
  ServerConfig config;
  config.max_buffered_bytes = 100'000;
  auto server = start_echo_server(config);
  RawPeer first(server->port());
  first.write("\x0b" + std::string(60'000, 'a'));
  ASSERT_TRUE(eventually([&] { return server->stats().connections_accepted == 1; }));
  std::this_thread::sleep_for(100ms);
  RawPeer second(server->port());
  second.write("\x0b" + std::string(60'000, 'b'));
  EXPECT_EQ(second.read_until_closed(), "");
  EXPECT_TRUE(eventually([&] { return log.contains("max_buffered_bytes"); }));
  // The first connection's frame is still taken when it ends.
  first.write("\x1c\r");
  first.shutdown_send();
  EXPECT_EQ(first.read_until_closed(),
            "\x0b"
            "ACK:" +
                std::string(60'000, 'a') + "\x1c\r");
}

}  // namespace
}  // namespace radloop::mllp
