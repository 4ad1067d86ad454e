// Server::stop() drains over real sockets: handler calls in flight and frames already received
// are answered before the connections close; idle ones close at once; the deadline cuts the rest.
#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <thread>

#include "reference/mllp/client.hpp"
#include "reference/mllp/server.hpp"
#include "tests/cpp/mllp/test_support.hpp"

namespace radloop::mllp {
namespace {

using namespace std::chrono_literals;
using testing::connect_to;
using testing::eventually;

// A door the handlers wait at until the test opens it (bounded, so a failing test cannot hang).
class Gate {
 public:
  void open() { opened_.set_value(); }
  void wait() const { opened_future_.wait_for(testing::kPatience); }

 private:
  std::promise<void> opened_;
  std::shared_future<void> opened_future_ = opened_.get_future().share();
};

TEST(MllpServerStop, AnswersEveryMessageInFlightOnEveryConnection) {
  constexpr int kConnections = 4;
  constexpr int kPerConnection = 2;
  ServerConfig config;
  config.threads = 2;  // fewer threads than connections: some messages wait for a thread
  auto server = Server::start(config, [](const InboundMessage& m) {
                  std::this_thread::sleep_for(200ms);
                  return "ACK:" + m.payload;
                }).value();
  std::vector<std::unique_ptr<Client>> clients;
  for (int c = 0; c < kConnections; ++c) {
    clients.push_back(connect_to(*server));
    std::string wire;
    for (int i = 0; i < kPerConnection; ++i) wire += frame(std::to_string(c) + "/" + std::to_string(i));
    ASSERT_TRUE(clients.back()->send_raw(wire));
  }
  // Stop refuses connections not yet accepted; these were, and their frames are on the wire.
  ASSERT_TRUE(eventually(
      [&] { return server->stats().connections_accepted == kConnections && server->stats().messages_received >= 1; }));

  std::thread stopper([&] { server->stop(); });
  for (int c = 0; c < kConnections; ++c) {
    for (int i = 0; i < kPerConnection; ++i) {
      auto reply = clients[c]->receive();
      ASSERT_TRUE(reply.ok()) << "connection " << c << " message " << i << ": " << reply.error().message();
      EXPECT_EQ(*reply, "ACK:" + std::to_string(c) + "/" + std::to_string(i));
    }
    // Then the drained connection closes.
    auto after = clients[c]->receive();
    ASSERT_FALSE(after.ok());
    EXPECT_EQ(after.error().code, Errc::connection_closed);
  }
  stopper.join();
  const auto stats = server->stats();
  EXPECT_EQ(stats.messages_received, static_cast<std::uint64_t>(kConnections * kPerConnection));
  EXPECT_EQ(stats.replies_sent, static_cast<std::uint64_t>(kConnections * kPerConnection));
  EXPECT_GE(stats.drained_replies, 1U);
  EXPECT_EQ(stats.connections_cut_at_drain_timeout, 0U);
}

TEST(MllpServerStop, CountsWhatItDrainedAndClosesIdleConnectionsAtOnce) {
  constexpr int kBusy = 3;
  Gate gate;
  std::atomic<int> entered{0};
  ServerConfig config;
  config.threads = kBusy + 1;  // every busy connection in its handler at once, one thread to spare
  auto server = Server::start(config, [&](const InboundMessage& m) {
                  ++entered;
                  gate.wait();
                  return "ACK:" + m.payload;
                }).value();
  std::vector<std::unique_ptr<Client>> busy;
  for (int c = 0; c < kBusy; ++c) {
    busy.push_back(connect_to(*server));
    ASSERT_TRUE(busy.back()->send_raw(frame("first") + frame("second")));
  }
  auto idle = connect_to(*server);  // accepted last, so the drain reaches it last
  ASSERT_TRUE(eventually([&] {
    const auto stats = server->stats();
    return entered == kBusy && stats.messages_received == 2U * kBusy && stats.connections_accepted == kBusy + 1;
  }));

  std::thread stopper([&] { server->stop(); });
  // The idle connection closing shows the drain has begun; only then are the handlers let go,
  // so every reply below is one the drain let through.
  auto nothing = idle->receive();
  ASSERT_FALSE(nothing.ok());
  EXPECT_EQ(nothing.error().code, Errc::connection_closed);
  gate.open();
  for (auto& client : busy) {
    EXPECT_EQ(client->receive().value(), "ACK:first");
    EXPECT_EQ(client->receive().value(), "ACK:second");
  }
  stopper.join();
  const auto stats = server->stats();
  EXPECT_EQ(stats.drained_replies, static_cast<std::uint64_t>(2 * kBusy));
  EXPECT_EQ(stats.idle_connections_closed_at_stop, 1U);
  EXPECT_EQ(stats.connections_cut_at_drain_timeout, 0U);
}

TEST(MllpServerStop, RefusesNewConnectionsOnceStopped) {
  auto server = testing::start_echo_server();
  const auto port = server->port();
  server->stop();
  auto client = Client::connect(testing::client_config(port));
  ASSERT_FALSE(client.ok());
  EXPECT_EQ(client.error().code, Errc::connect_failed);
}

TEST(MllpServerStop, AnswersAFrameThatWasHalfReceivedWhenStopBegan) {
  auto server = testing::start_echo_server();
  auto idle = connect_to(*server);
  auto client = connect_to(*server);
  ASSERT_TRUE(client->send_raw("\x0bhalf-"));
  ASSERT_TRUE(eventually([&] { return server->stats().connections_accepted == 2; }));

  std::thread stopper([&] { server->stop(); });
  auto nothing = idle->receive();  // the drain has begun
  ASSERT_FALSE(nothing.ok());
  ASSERT_TRUE(client->send_raw("way\x1c\r"));
  EXPECT_EQ(client->receive().value(), "ACK:half-way");
  stopper.join();
  EXPECT_EQ(server->stats().replies_sent, 1U);
  EXPECT_EQ(server->stats().connections_cut_at_drain_timeout, 0U);
}

TEST(MllpServerStop, CutsConnectionsStillBusyAfterTheDrainTimeout) {
  auto server = testing::start_echo_server();
  // A peer that started a frame and never finishes it keeps its connection busy.
  auto stalled = connect_to(*server);
  ASSERT_TRUE(stalled->send_raw("\x0bnever ends"));
  ASSERT_TRUE(eventually([&] { return server->stats().connections_accepted == 1; }));
  server->stop(100ms);
  EXPECT_EQ(server->stats().connections_cut_at_drain_timeout, 1U);
  auto reply = stalled->receive();
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.error().code, Errc::connection_closed);
}

TEST(MllpServerStop, IsIdempotentAndTheDestructorStopsToo) {
  auto server = testing::start_echo_server();
  auto client = connect_to(*server);
  EXPECT_EQ(client->exchange("x").value(), "ACK:x");
  server->stop();
  server->stop();
  server.reset();
  SUCCEED();
}

}  // namespace
}  // namespace radloop::mllp
