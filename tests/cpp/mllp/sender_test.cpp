// The MLLP sender against real loopback servers: order, retry with the same bytes, backoff,
// refused / timed out / connection lost, the injected reply classifier, and close().
#include "reference/mllp/sender.hpp"

#include <gtest/gtest.h>

#include <limits>

#include <algorithm>
#include <atomic>
#include <future>
#include <mutex>
#include <string_view>
#include <thread>

#include "reference/mllp/server.hpp"
#include "tests/cpp/mllp/test_support.hpp"

namespace radloop::mllp {
namespace {

using namespace std::chrono_literals;
using testing::eventually;
using testing::kPatience;

// Every payload the server's handler saw, in order; `drop` decides which calls throw, which
// closes the connection without a reply, as a peer that crashed before acknowledging would.
class RecordingServer {
 public:
  explicit RecordingServer(std::function<bool(const std::string&, int seen_before)> drop = nullptr,
                           ServerConfig config = {})
      : drop_(std::move(drop)) {
    server_ = Server::start(std::move(config), [this](const InboundMessage& m) { return handle(m); }).value();
  }

  [[nodiscard]] std::uint16_t port() const { return server_->port(); }
  [[nodiscard]] const Server& server() const { return *server_; }
  [[nodiscard]] std::vector<std::string> seen() const {
    std::lock_guard lock(mutex_);
    return seen_;
  }

 private:
  std::string handle(const InboundMessage& m) {
    int before = 0;
    {
      std::lock_guard lock(mutex_);
      before = static_cast<int>(std::count(seen_.begin(), seen_.end(), m.payload));
      seen_.push_back(m.payload);
    }
    if (drop_ && drop_(m.payload, before)) throw std::runtime_error("dropped before the reply");
    return "ACK:" + m.payload;
  }

  std::function<bool(const std::string&, int)> drop_;
  mutable std::mutex mutex_;
  std::vector<std::string> seen_;
  std::unique_ptr<Server> server_;  // last: stops before the record goes
};

SenderConfig sender_config(std::uint16_t port) {
  SenderConfig config;
  config.port = port;
  config.connect_timeout = kPatience;
  config.reply_timeout = kPatience;
  config.max_attempts = 4;
  config.initial_backoff = 5ms;
  config.max_backoff = 50ms;
  return config;
}

std::unique_ptr<Sender> start_sender(const SenderConfig& config) {
  auto sender = Sender::start(config);
  EXPECT_TRUE(sender.ok()) << sender.error().message();
  return std::move(sender).value();
}

SendResult wait(std::future<SendResult>& future) {
  EXPECT_EQ(future.wait_for(kPatience), std::future_status::ready);
  return future.get();
}

// "m7" for 7. Appends rather than `"m" + std::to_string(i)`, which trips GCC 12's -Wrestrict
// false positive at -O3.
std::string numbered(int i) {
  std::string name = "m";
  name += std::to_string(i);
  return name;
}

constexpr std::string_view kMessage = "MSH|^~\\&|RIS|RAD|EHR|GEN|20260101120000||ORU^R01|CTRL0001|P|2.5.1\rPID|1||MRN1";

TEST(MllpSender, DeliversInSubmissionOrderOverOneConnection) {
  RecordingServer server;
  auto sender = start_sender(sender_config(server.port()));
  std::vector<std::future<SendResult>> futures;
  futures.reserve(20);
  for (int i = 0; i < 20; ++i) futures.push_back(sender->submit(numbered(i)));
  for (int i = 0; i < 20; ++i) {
    const auto result = wait(futures[i]);
    EXPECT_EQ(result.outcome, SendOutcome::replied);
    EXPECT_TRUE(result.accepted());
    EXPECT_EQ(result.reply, "ACK:" + numbered(i));
    EXPECT_EQ(result.attempts, 1U);
    EXPECT_FALSE(result.last_error.has_value());
  }
  std::vector<std::string> expected;
  expected.reserve(20);
  for (int i = 0; i < 20; ++i) expected.push_back(numbered(i));
  EXPECT_EQ(server.seen(), expected);
  EXPECT_EQ(server.server().stats().connections_accepted, 1U);
}

TEST(MllpSender, ResendsTheSameBytesWhenTheConnectionDropsBeforeTheReply) {
  RecordingServer server([](const std::string&, int seen_before) { return seen_before == 0; });
  auto sender = start_sender(sender_config(server.port()));
  auto future = sender->submit(std::string(kMessage));
  const auto result = wait(future);
  EXPECT_EQ(result.outcome, SendOutcome::replied);
  EXPECT_EQ(result.attempts, 2U);
  EXPECT_EQ(result.reply, "ACK:" + std::string(kMessage));
  // Byte for byte the same message, control ID included, on a new connection.
  EXPECT_EQ(server.seen(), (std::vector<std::string>{std::string(kMessage), std::string(kMessage)}));
  EXPECT_EQ(server.server().stats().connections_accepted, 2U);
}

TEST(MllpSender, KeepsTheOrderAcrossARetry) {
  RecordingServer server(
      [](const std::string& payload, int seen_before) { return payload == "2" && seen_before == 0; });
  auto sender = start_sender(sender_config(server.port()));
  std::vector<std::future<SendResult>> futures;
  for (const auto* payload : {"1", "2", "3"}) futures.push_back(sender->submit(payload));
  EXPECT_EQ(wait(futures[0]).attempts, 1U);
  EXPECT_EQ(wait(futures[1]).attempts, 2U);
  EXPECT_EQ(wait(futures[2]).attempts, 1U);
  // "3" never overtakes the retried "2".
  EXPECT_EQ(server.seen(), (std::vector<std::string>{"1", "2", "2", "3"}));
}

TEST(MllpSender, AReplyNobodyAskedForIsNeverCreditedToTheNextMessage) {
  // A peer that answers message 1 twice (a commit ACK then an application ACK, or a duplicate):
  // the second frame belongs to message 1 and must not become message 2's reply.
  auto server = Server::start({}, [](const InboundMessage& m) {
                  return m.payload == "1" ? std::string(
                                                "ACK:1\x1c\r\x0b"
                                                "ACK:1 again")
                                          : "ACK:" + m.payload;
                }).value();
  auto sender = start_sender(sender_config(server->port()));
  auto first = sender->submit("1");
  EXPECT_EQ(wait(first).reply, "ACK:1");
  auto second = sender->submit("2");
  const auto result = wait(second);
  EXPECT_EQ(result.outcome, SendOutcome::replied);
  EXPECT_EQ(result.reply, "ACK:2");
  EXPECT_EQ(result.attempts, 1U) << "reconnecting over stale input costs no attempt";
}

TEST(MllpSender, ReportsConnectionLostAfterMaxAttempts) {
  RecordingServer server([](const std::string&, int) { return true; });
  auto config = sender_config(server.port());
  config.max_attempts = 3;
  auto sender = start_sender(config);
  auto future = sender->submit(std::string(kMessage));
  const auto result = wait(future);
  EXPECT_EQ(result.outcome, SendOutcome::connection_lost);
  EXPECT_EQ(result.attempts, 3U);
  ASSERT_TRUE(result.last_error.has_value());
  EXPECT_EQ(result.last_error->code, Errc::connection_closed);
  EXPECT_EQ(server.seen().size(), 3U);
}

TEST(MllpSender, ReportsRefusedWhenNothingListensAfterEveryAttempt) {
  auto config = sender_config(testing::closed_port());
  config.max_attempts = 3;
  auto sender = start_sender(config);
  auto future = sender->submit(std::string(kMessage));
  const auto result = wait(future);
  EXPECT_EQ(result.outcome, SendOutcome::refused);
  EXPECT_EQ(result.attempts, 3U);
  ASSERT_TRUE(result.last_error.has_value());
  EXPECT_EQ(result.last_error->code, Errc::connect_failed);
  EXPECT_FALSE(result.accepted());
}

TEST(MllpSender, ReportsTimedOutWhenNoReplyComes) {
  std::promise<void> release;
  auto released = release.get_future().share();
  std::atomic<int> calls{0};
  auto server = Server::start({}, [&calls, released](const InboundMessage&) {
                  ++calls;
                  released.wait_for(kPatience);
                  return std::string("too late");
                }).value();
  auto config = sender_config(server->port());
  config.reply_timeout = 200ms;
  config.max_attempts = 2;
  auto sender = start_sender(config);
  auto future = sender->submit(std::string(kMessage));
  const auto result = wait(future);
  release.set_value();
  EXPECT_EQ(result.outcome, SendOutcome::timed_out);
  EXPECT_EQ(result.attempts, 2U);
  ASSERT_TRUE(result.last_error.has_value());
  EXPECT_EQ(result.last_error->code, Errc::reply_timeout);
  EXPECT_TRUE(eventually([&] { return calls == 2; }));  // each attempt reached the peer
}

TEST(MllpSender, TakesANegativeReplyAsFinalUnlessTheClassifierAsksForARetry) {
  auto server = Server::start({}, [](const InboundMessage& m) { return m.payload == "bad" ? "AE" : "AA"; }).value();
  auto config = sender_config(server->port());
  config.classify = [](std::string_view reply) { return ReplyVerdict{std::string(reply), reply == "AA", false}; };
  auto sender = start_sender(config);
  auto bad = sender->submit("bad");
  auto good = sender->submit("good");
  const auto rejected = wait(bad);
  EXPECT_EQ(rejected.outcome, SendOutcome::replied);
  EXPECT_FALSE(rejected.accepted());
  EXPECT_EQ(rejected.verdict.code, "AE");
  EXPECT_EQ(rejected.attempts, 1U);
  EXPECT_TRUE(wait(good).accepted());
  EXPECT_EQ(server->stats().messages_received, 2U);
}

TEST(MllpSender, RetriesWhenTheClassifierSaysTheReplyIsTransient) {
  std::atomic<int> calls{0};
  auto server =
      Server::start({}, [&](const InboundMessage&) { return ++calls == 1 ? std::string("AE busy") : "AA"; }).value();
  auto config = sender_config(server->port());
  config.classify = [](std::string_view reply) {
    const bool busy = reply == "AE busy";
    return ReplyVerdict{busy ? "AE" : "AA", !busy, busy};
  };
  auto sender = start_sender(config);
  auto future = sender->submit(std::string(kMessage));
  const auto result = wait(future);
  EXPECT_TRUE(result.accepted());
  EXPECT_EQ(result.verdict.code, "AA");
  EXPECT_EQ(result.attempts, 2U);
}

TEST(MllpSender, AClassifierThatThrowsMakesTheReplyNotAccepted) {
  auto server = testing::start_echo_server();
  auto config = sender_config(server->port());
  config.classify = [](std::string_view) -> ReplyVerdict { throw std::runtime_error("unreadable"); };
  auto sender = start_sender(config);
  auto future = sender->submit(std::string(kMessage));
  const auto result = wait(future);
  EXPECT_EQ(result.outcome, SendOutcome::replied);
  EXPECT_FALSE(result.accepted());
  EXPECT_EQ(result.attempts, 1U);
  ASSERT_TRUE(result.last_error.has_value());
  EXPECT_EQ(result.last_error->code, Errc::internal);
}

TEST(MllpSender, ReconnectsBeforeSendingWhenTheServerClosedTheIdleConnection) {
  ServerConfig server_config;
  server_config.idle_timeout = 100ms;
  RecordingServer server(nullptr, server_config);
  auto sender = start_sender(sender_config(server.port()));
  auto first = sender->submit("first");
  EXPECT_TRUE(wait(first).accepted());
  ASSERT_TRUE(eventually([&] { return server.server().stats().connections_dropped == 1; }));
  auto second = sender->submit("second");
  const auto result = wait(second);
  EXPECT_TRUE(result.accepted());
  EXPECT_EQ(result.attempts, 1U);  // the dead connection cost no attempt
}

TEST(MllpSender, CloseCancelsWhatIsQueuedAndFinishesTheCurrentMessage) {
  std::promise<void> release;
  auto released = release.get_future().share();
  std::atomic<int> entered{0};
  auto server = Server::start({}, [&entered, released](const InboundMessage& m) {
                  ++entered;
                  released.wait_for(kPatience);
                  return "ACK:" + m.payload;
                }).value();
  auto sender = start_sender(sender_config(server->port()));
  auto current = sender->submit("current");
  auto queued = sender->submit("queued");
  ASSERT_TRUE(eventually([&] { return entered == 1; }));

  std::thread closer([&] { sender->close(); });
  const auto cancelled = wait(queued);  // at once, while "current" still waits for its reply
  EXPECT_EQ(cancelled.outcome, SendOutcome::cancelled);
  EXPECT_EQ(cancelled.attempts, 0U);
  ASSERT_TRUE(cancelled.last_error.has_value());
  EXPECT_EQ(cancelled.last_error->code, Errc::send_cancelled);
  release.set_value();
  EXPECT_EQ(wait(current).reply, "ACK:current");
  closer.join();

  auto late = sender->submit("after close");
  EXPECT_EQ(wait(late).outcome, SendOutcome::cancelled);
  EXPECT_EQ(entered, 1);
}

TEST(MllpSender, CloseStopsRetryingAMessageThatIsBackingOff) {
  auto config = sender_config(testing::closed_port());
  config.max_attempts = 1'000;
  config.initial_backoff = 60'000ms;  // would wait a minute before the second attempt
  config.max_backoff = 60'000ms;
  auto sender = start_sender(config);
  auto future = sender->submit(std::string(kMessage));
  sender->close();  // returns without waiting out the backoff
  const auto result = wait(future);
  EXPECT_NE(result.outcome, SendOutcome::replied);
  EXPECT_LE(result.attempts, 1U);
}

TEST(MllpSender, BacksOffExponentiallyUpToTheCap) {
  SenderConfig config;
  config.initial_backoff = 100ms;
  config.backoff_multiplier = 2.0;
  config.max_backoff = 1'000ms;
  EXPECT_EQ(backoff_after(config, 1), 100ms);
  EXPECT_EQ(backoff_after(config, 2), 200ms);
  EXPECT_EQ(backoff_after(config, 3), 400ms);
  EXPECT_EQ(backoff_after(config, 4), 800ms);
  EXPECT_EQ(backoff_after(config, 5), 1'000ms);
  EXPECT_EQ(backoff_after(config, 500), 1'000ms);
}

TEST(MllpSender, RefusesAnUnusableConfiguration) {
  auto no_attempts = sender_config(1);
  no_attempts.max_attempts = 0;
  EXPECT_EQ(Sender::start(no_attempts).error().code, Errc::invalid_config);
  auto bad_host = sender_config(1);
  bad_host.host = "somewhere";
  EXPECT_EQ(Sender::start(bad_host).error().code, Errc::invalid_config);
  auto shrinking = sender_config(1);
  shrinking.backoff_multiplier = 0.5;
  EXPECT_EQ(Sender::start(shrinking).error().code, Errc::invalid_config);
  auto not_a_number = sender_config(1);
  not_a_number.backoff_multiplier = std::numeric_limits<double>::quiet_NaN();
  EXPECT_EQ(Sender::start(not_a_number).error().code, Errc::invalid_config);
  auto forever = sender_config(1);
  forever.max_backoff = std::chrono::milliseconds::max();
  EXPECT_EQ(Sender::start(forever).error().code, Errc::invalid_config);
  auto missing_ca = sender_config(1);
  missing_ca.tls = ClientTls{.ca_file = "/nonexistent/ca.pem"};
  EXPECT_EQ(Sender::start(missing_ca).error().code, Errc::invalid_config);
}

}  // namespace
}  // namespace radloop::mllp
