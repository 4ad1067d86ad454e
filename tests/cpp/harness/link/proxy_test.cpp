// The link proxy against real loopback peers: bytes pass both ways and are counted, each fault
// does what it says on the wire, and misbehaving peers and stop() in flight are survived.
#include "harness/link/proxy.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "reference/mllp/client.hpp"
#include "reference/mllp/frame.hpp"
#include "reference/mllp/server.hpp"
#include "tests/cpp/harness/link/link_test_support.hpp"

namespace radloop::harness::link {
namespace {

using namespace std::chrono_literals;
using testing::eventually;
using testing::kPatience;
using testing::RawClient;
using testing::Upstream;
using Clock = std::chrono::steady_clock;

std::unique_ptr<Proxy> start_proxy(std::uint16_t upstream_port) {
  auto proxy = Proxy::start("test", "127.0.0.1", upstream_port);
  EXPECT_TRUE(proxy.ok()) << proxy.error().message();
  return std::move(proxy).value();
}

FaultSpec fault(std::string type, Direction direction, std::map<std::string, std::string> params = {}) {
  FaultSpec spec;
  spec.type = std::move(type);
  spec.direction = direction;
  spec.params = std::move(params);
  return spec;
}

void add(Proxy& proxy, const FaultSpec& spec) {
  auto added = proxy.add(spec);
  ASSERT_TRUE(added.ok()) << added.error().message();
}

std::string ack_of(const std::string& payload) { return std::string("ACK:").append(payload); }

std::unique_ptr<mllp::Server> start_ack_server() {
  auto server = mllp::Server::start({}, [](const mllp::InboundMessage& m) { return ack_of(m.payload); });
  EXPECT_TRUE(server.ok()) << server.error().message();
  return std::move(server).value();
}

std::unique_ptr<mllp::Client> mllp_client(std::uint16_t port, std::chrono::milliseconds reply_timeout = kPatience) {
  mllp::ClientConfig config;
  config.port = port;
  config.connect_timeout = kPatience;
  config.reply_timeout = reply_timeout;
  auto client = mllp::Client::connect(config);
  EXPECT_TRUE(client.ok()) << client.error().message();
  return std::move(client).value();
}

// A long enough message that slicing it makes many writes.
const std::string kMessage =
    "MSH|^~\\&|RIS|HOSP|PACS|HOSP|20240101120000||ORM^O01|MSG00001|P|2.5.1\r"
    "PID|1||12345^^^HOSP^MR||DOE^JANE||19800101|F\r"
    "ORC|NW|ORD001|||||||20240101120000\r"
    "OBR|1|ORD001||CTHEAD^CT HEAD^L|||20240101120000\r";

TEST(Proxy, PassesBytesBothWaysAndCountsThem) {
  Upstream upstream(Upstream::Mode::echo);
  auto proxy = start_proxy(upstream.port());
  RawClient client(proxy->port());
  client.write("hello, server");
  const auto echoed = client.read(13);
  EXPECT_EQ(echoed.bytes, "hello, server");
  ASSERT_TRUE(eventually([&] { return proxy->stats().downstream.bytes_delivered == 13; }));
  const auto stats = proxy->stats();
  EXPECT_EQ(stats.connections_accepted, 1U);
  EXPECT_EQ(stats.connections_open, 1U);
  EXPECT_EQ(stats.upstream.bytes_received, 13U);
  EXPECT_EQ(stats.upstream.bytes_delivered, 13U);
  EXPECT_EQ(stats.downstream.bytes_received, 13U);
  EXPECT_EQ(upstream.received(), "hello, server");
}

// A system configured to send to a fixed port: the proxy takes that port, the receiver another.
TEST(Proxy, ListensOnThePortAskedFor) {
  Upstream upstream(Upstream::Mode::echo);
  std::uint16_t wanted = 0;
  {
    auto probe = start_proxy(upstream.port());  // a port free a moment ago
    wanted = probe->port();
  }
  auto proxy = Proxy::start("fixed", "127.0.0.1", upstream.port(), wanted);
  ASSERT_TRUE(proxy.ok()) << proxy.error().message();
  EXPECT_EQ(proxy.value()->port(), wanted);
  RawClient client(wanted);
  client.write("ping");
  EXPECT_EQ(client.read(4).bytes, "ping");
  // The port is taken now: asking for it again is bind_failed, not another port.
  auto again = Proxy::start("again", "127.0.0.1", upstream.port(), wanted);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, Errc::bind_failed);
}

TEST(Proxy, CarriesAnMllpExchangeUntouchedWithoutFaults) {
  auto server = start_ack_server();
  auto proxy = start_proxy(server->port());
  auto client = mllp_client(proxy->port());
  auto reply = client->exchange(kMessage);
  ASSERT_TRUE(reply.ok()) << reply.error().message();
  EXPECT_EQ(*reply, ack_of(kMessage));
}

TEST(Proxy, SlicedStreamArrivesWholeAndInOrder) {
  auto server = start_ack_server();
  auto proxy = start_proxy(server->port());
  add(*proxy, fault("slice", Direction::upstream, {{"bytes", "1"}}));
  auto back = fault("slice", Direction::downstream, {{"bytes", "1"}});
  back.name = "slice-back";
  add(*proxy, back);

  auto client = mllp_client(proxy->port());
  auto reply = client->exchange(kMessage);
  ASSERT_TRUE(reply.ok()) << reply.error().message();
  EXPECT_EQ(*reply, ack_of(kMessage));
  EXPECT_EQ(server->stats().messages_received, 1U);
  const auto framed = mllp::frame(kMessage).size();
  EXPECT_EQ(proxy->stats().upstream.bytes_delivered, framed);
}

TEST(Proxy, SlicedStreamWithGapsArrivesWholeAndInOrder) {
  Upstream upstream(Upstream::Mode::collect);
  auto proxy = start_proxy(upstream.port());
  add(*proxy, fault("slice", Direction::upstream, {{"bytes", "7"}, {"delay_ms", "2"}}));
  std::string sent;
  for (int i = 0; i < 200; ++i) sent += static_cast<char>('a' + i % 26);
  RawClient client(proxy->port());
  client.write(sent.substr(0, 100));
  client.write(sent.substr(100));
  ASSERT_TRUE(eventually([&] { return upstream.received().size() >= sent.size(); }));
  EXPECT_EQ(upstream.received(), sent);
}

TEST(Proxy, DelayHoldsBytesAtLeastTheDelay) {
  Upstream upstream(Upstream::Mode::echo);
  auto proxy = start_proxy(upstream.port());
  add(*proxy, fault("delay", Direction::upstream, {{"ms", "300"}}));
  RawClient client(proxy->port());
  const auto sent_at = Clock::now();
  client.write("ping");
  const auto echoed = client.read(4);
  const auto elapsed = Clock::now() - sent_at;
  EXPECT_EQ(echoed.bytes, "ping");
  EXPECT_GE(elapsed, 300ms);  // a lower bound only: the machine may be slow, never fast
}

TEST(Proxy, DelayAppliesDownstreamToo) {
  auto server = start_ack_server();
  auto proxy = start_proxy(server->port());
  add(*proxy, fault("delay", Direction::downstream, {{"ms", "250"}, {"jitter_ms", "50"}}));
  auto client = mllp_client(proxy->port());
  const auto sent_at = Clock::now();
  auto reply = client->exchange(kMessage);
  ASSERT_TRUE(reply.ok()) << reply.error().message();
  EXPECT_GE(Clock::now() - sent_at, 250ms);
}

TEST(Proxy, RemovingADelayReleasesTheHeldBytes) {
  Upstream upstream(Upstream::Mode::collect);
  auto proxy = start_proxy(upstream.port());
  add(*proxy, fault("delay", Direction::upstream, {{"ms", "600000"}}));
  RawClient client(proxy->port());
  client.write("held");
  ASSERT_TRUE(eventually([&] { return proxy->stats().upstream.bytes_received == 4; }));
  EXPECT_EQ(upstream.received(), "");
  ASSERT_TRUE(proxy->remove("delay").ok());
  // Ten minutes of delay, released now: the bytes must not wait for the timer.
  ASSERT_TRUE(eventually([&] { return upstream.received() == "held"; })) << upstream.received();
  EXPECT_TRUE(proxy->faults().empty());
}

TEST(Proxy, ClearingTheChainReleasesHeldBytesInOrder) {
  Upstream upstream(Upstream::Mode::collect);
  auto proxy = start_proxy(upstream.port());
  add(*proxy, fault("slice", Direction::upstream, {{"bytes", "1"}, {"delay_ms", "60000"}}));
  add(*proxy, fault("delay", Direction::upstream, {{"ms", "600000"}}));
  RawClient client(proxy->port());
  client.write("abcdef");
  ASSERT_TRUE(eventually([&] { return proxy->stats().upstream.bytes_received == 6; }));
  ASSERT_TRUE(proxy->clear().ok());
  ASSERT_TRUE(eventually([&] { return upstream.received() == "abcdef"; })) << upstream.received();
}

TEST(Proxy, DropAfterClosesAfterExactlyNBytesArrive) {
  Upstream upstream(Upstream::Mode::collect);
  auto proxy = start_proxy(upstream.port());
  add(*proxy, fault("drop_after", Direction::upstream, {{"bytes", "5"}}));
  RawClient client(proxy->port());
  client.write("01234567890123456789");
  ASSERT_TRUE(eventually([&] { return !upstream.endings().empty(); }));
  EXPECT_EQ(upstream.received(), "01234");
  const auto seen = client.read_until_closed();
  EXPECT_TRUE(seen.ending == boost::asio::error::eof || seen.ending == boost::asio::error::connection_reset)
      << seen.ending.message();
  EXPECT_EQ(proxy->stats().connections_closed_by_faults, 1U);
  EXPECT_EQ(proxy->stats().upstream.bytes_delivered, 5U);
}

TEST(Proxy, DropAfterCountsAcrossWrites) {
  Upstream upstream(Upstream::Mode::collect);
  auto proxy = start_proxy(upstream.port());
  add(*proxy, fault("drop_after", Direction::upstream, {{"bytes", "6"}}));
  RawClient client(proxy->port());
  client.write("abc");
  ASSERT_TRUE(eventually([&] { return upstream.received() == "abc"; }));
  client.write("defghi");
  ASSERT_TRUE(eventually([&] { return !upstream.endings().empty(); }));
  EXPECT_EQ(upstream.received(), "abcdef");
}

TEST(Proxy, ResetGivesTheClientAConnectionReset) {
  Upstream upstream(Upstream::Mode::echo);
  auto proxy = start_proxy(upstream.port());
  add(*proxy, fault("reset", Direction::upstream));
  RawClient client(proxy->port());
  client.write("anyone there?");
  const auto seen = client.read_until_closed();
  EXPECT_EQ(seen.ending, boost::asio::error::connection_reset) << seen.ending.message();
  EXPECT_EQ(seen.bytes, "");
  ASSERT_TRUE(eventually([&] { return !upstream.endings().empty(); }));
  EXPECT_EQ(upstream.endings().front(), boost::asio::error::connection_reset) << upstream.endings().front().message();
  EXPECT_EQ(upstream.received(), "");
  EXPECT_EQ(proxy->stats().connections_reset_by_faults, 1U);
}

TEST(Proxy, ResetAfterBytesLetsThemThroughFirst) {
  Upstream upstream(Upstream::Mode::collect);
  auto proxy = start_proxy(upstream.port());
  add(*proxy, fault("reset", Direction::upstream, {{"after_bytes", "4"}}));
  RawClient client(proxy->port());
  client.write("abcdefgh");
  const auto seen = client.read_until_closed();
  EXPECT_EQ(seen.ending, boost::asio::error::connection_reset) << seen.ending.message();
  EXPECT_EQ(proxy->stats().upstream.bytes_delivered, 4U);
  EXPECT_EQ(proxy->stats().connections_reset_by_faults, 1U);
}

TEST(Proxy, BlackholeMakesTheReplyTimeoutFireThenTrafficFlowsOnceRemoved) {
  auto server = start_ack_server();
  auto proxy = start_proxy(server->port());
  add(*proxy, fault("blackhole", Direction::upstream));

  auto client = mllp_client(proxy->port(), 300ms);
  auto lost = client->exchange(kMessage);
  ASSERT_FALSE(lost.ok());
  EXPECT_EQ(lost.error().code, Errc::reply_timeout) << lost.error().message();
  EXPECT_EQ(proxy->stats().connections_open, 1U);  // swallowed, not closed

  ASSERT_TRUE(proxy->remove("blackhole").ok());
  auto again = mllp_client(proxy->port());
  auto reply = again->exchange(kMessage);
  ASSERT_TRUE(reply.ok()) << reply.error().message();
  EXPECT_EQ(*reply, ack_of(kMessage));
  // What the blackhole swallowed is gone for good, not replayed on removal.
  EXPECT_EQ(server->stats().messages_received, 1U);
}

TEST(Proxy, BlackholeWithAPeriodLiftsByItself) {
  Upstream upstream(Upstream::Mode::collect);
  auto proxy = start_proxy(upstream.port());
  add(*proxy, fault("blackhole", Direction::upstream, {{"ms", "1000"}}));
  RawClient client(proxy->port());
  client.write("lost");
  std::this_thread::sleep_for(1200ms);
  client.write("kept");
  ASSERT_TRUE(eventually([&] { return upstream.received() == "kept"; })) << upstream.received();
}

TEST(Proxy, SetDownRefusesConnectionsAndResetsOpenOnes) {
  Upstream upstream(Upstream::Mode::echo);
  auto proxy = start_proxy(upstream.port());
  RawClient open(proxy->port());
  open.write("x");
  ASSERT_EQ(open.read(1).bytes, "x");

  ASSERT_TRUE(proxy->set_down(true).ok());
  EXPECT_TRUE(proxy->down());
  EXPECT_EQ(open.read_until_closed().ending, boost::asio::error::connection_reset);
  EXPECT_EQ(RawClient::try_connect(proxy->port()), boost::asio::error::connection_refused);
  mllp::ClientConfig config;
  config.port = proxy->port();
  auto refused = mllp::Client::connect(config);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, Errc::connect_failed);
  EXPECT_EQ(proxy->stats().connections_reset_by_down, 1U);

  ASSERT_TRUE(proxy->set_down(false).ok());
  RawClient back(proxy->port());
  back.write("y");
  EXPECT_EQ(back.read(1).bytes, "y");
}

TEST(Proxy, FaultsAddedLaterApplyToOpenConnections) {
  Upstream upstream(Upstream::Mode::collect);
  auto proxy = start_proxy(upstream.port());
  RawClient client(proxy->port());
  client.write("before ");
  ASSERT_TRUE(eventually([&] { return upstream.received() == "before "; }));
  add(*proxy, fault("drop_after", Direction::upstream, {{"bytes", "3"}}));
  client.write("after");
  ASSERT_TRUE(eventually([&] { return !upstream.endings().empty(); }));
  EXPECT_EQ(upstream.received(), "before aft");
}

TEST(Proxy, ClientClosingMidStreamShutsTheServerSideAfterPendingBytes) {
  Upstream upstream(Upstream::Mode::collect);
  auto proxy = start_proxy(upstream.port());
  add(*proxy, fault("delay", Direction::upstream, {{"ms", "200"}}));
  {
    RawClient client(proxy->port());
    client.write(mllp::frame(kMessage).substr(0, 40));  // half a frame, then gone
    client.shutdown_send();
    client.close();
  }
  ASSERT_TRUE(eventually([&] { return !upstream.endings().empty(); }));
  EXPECT_EQ(upstream.endings().front(), boost::asio::error::eof);
  EXPECT_EQ(upstream.received(), mllp::frame(kMessage).substr(0, 40));
  ASSERT_TRUE(eventually([&] { return proxy->stats().connections_open == 0; }));
}

TEST(Proxy, UnreachableUpstreamClosesTheClientAndCountsIt) {
  std::uint16_t closed_port = 0;
  {
    Upstream gone(Upstream::Mode::collect);
    closed_port = gone.port();
  }
  auto proxy = start_proxy(closed_port);
  RawClient client(proxy->port());
  const auto seen = client.read_until_closed();
  EXPECT_TRUE(seen.ending == boost::asio::error::eof || seen.ending == boost::asio::error::connection_reset)
      << seen.ending.message();
  EXPECT_EQ(proxy->stats().upstream_connect_failures, 1U);
  EXPECT_EQ(proxy->stats().connections_open, 0U);
}

TEST(Proxy, StopWithConnectionsInFlightReturnsPromptly) {
  Upstream upstream(Upstream::Mode::echo);
  auto proxy = start_proxy(upstream.port());
  add(*proxy, fault("delay", Direction::upstream, {{"ms", "600000"}}));
  add(*proxy, fault("slice", Direction::downstream, {{"bytes", "1"}, {"delay_ms", "600000"}}));
  std::vector<std::unique_ptr<RawClient>> clients;
  for (int i = 0; i < 4; ++i) {
    clients.push_back(std::make_unique<RawClient>(proxy->port()));
    clients.back()->write("in flight");
  }
  ASSERT_TRUE(eventually([&] { return proxy->stats().upstream.bytes_received == 36; }));
  const auto began = Clock::now();
  proxy->stop();
  proxy->stop();  // idempotent
  EXPECT_LT(Clock::now() - began, kPatience);
  for (auto& client : clients) EXPECT_TRUE(client->read_until_closed().ending);
  auto late = proxy->add(fault("delay", Direction::upstream, {{"ms", "1"}}));
  ASSERT_FALSE(late.ok());
  EXPECT_EQ(late.error().code, Errc::internal);
}

TEST(Proxy, RefusesADuplicateNameAndSaysWhichFaultIsMissing) {
  Upstream upstream(Upstream::Mode::collect);
  auto proxy = start_proxy(upstream.port());
  add(*proxy, fault("delay", Direction::upstream, {{"ms", "10"}}));
  auto twice = proxy->add(fault("delay", Direction::downstream, {{"ms", "10"}}));
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(twice.error().code, Errc::invalid_config);
  EXPECT_EQ(twice.error().where, "fault delay");

  auto missing = proxy->remove("nope");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, Errc::not_found);
  EXPECT_NE(missing.error().detail.find("\"nope\""), std::string::npos) << missing.error().message();

  auto bad = proxy->add(fault("slice", Direction::upstream, {{"bytes", "x"}}));
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().detail, "slice.bytes must be a positive integer, got \"x\"");
  ASSERT_EQ(proxy->faults().size(), 1U);
  EXPECT_EQ(proxy->faults().front().name, "delay");
}

TEST(Proxy, ReportsAnUpstreamHostThatCannotBeResolved) {
  auto proxy = Proxy::start("nowhere", "no-such-host.invalid", 2575);
  ASSERT_FALSE(proxy.ok());
  EXPECT_EQ(proxy.error().code, Errc::invalid_config);
  EXPECT_EQ(proxy.error().where, "proxy nowhere");
}

}  // namespace
}  // namespace radloop::harness::link
