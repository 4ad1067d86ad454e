// The outbox's delivery rules: order per destination and order (accession), backoff under one control ID,
// dead letters with an alert, the queue moving on after one, and what a failure holds.
#include "reference/pipeline/outbox.hpp"

#include <gtest/gtest.h>

namespace radloop::pipeline {
namespace {

using namespace std::chrono_literals;

const Clock::time_point t0 = Clock::time_point{} + 1'000'000h;

TEST(Outbox, DeliversEachDestinationInOrderOneAtATime) {
  Outbox box;
  const auto a1 = box.enqueue("EHR", "C1", "first", t0);
  const auto a2 = box.enqueue("EHR", "C2", "second", t0);
  const auto b1 = box.enqueue("BILLING", "C3", "other", t0);
  auto due = box.due(t0);
  ASSERT_EQ(due.size(), 2U);  // the head of each destination, never the second for EHR
  EXPECT_EQ(due[0].sequence, a1);
  EXPECT_EQ(due[1].sequence, b1);
  box.delivered(a1);
  due = box.due(t0);
  ASSERT_EQ(due.size(), 2U);
  EXPECT_EQ(due[0].sequence, a2);
  box.delivered(a2);
  box.delivered(b1);
  EXPECT_TRUE(box.due(t0).empty());
  EXPECT_EQ(box.queued("EHR"), 0U);
}

TEST(Outbox, RetriesWithBackoffUnderTheSameControlIdAndHoldsWhatIsBehind) {
  Outbox box({1000ms, 2.0, 5000ms, 10, 24h});
  const auto first = box.enqueue("EHR", "C1", "report", t0);
  box.enqueue("EHR", "C2", "next", t0);
  EXPECT_FALSE(box.failed(first, "no ACK within 30 s", t0));
  EXPECT_TRUE(box.due(t0 + 999ms).empty());  // waiting 1 s, and C2 waits behind it
  auto due = box.due(t0 + 1000ms);
  ASSERT_EQ(due.size(), 1U);
  EXPECT_EQ(due[0].control_id, "C1");
  EXPECT_EQ(due[0].attempts, 1U);
  EXPECT_EQ(due[0].last_error, "no ACK within 30 s");
  EXPECT_EQ(box.delay_before(1), 1000ms);
  EXPECT_EQ(box.delay_before(2), 2000ms);
  EXPECT_EQ(box.delay_before(3), 4000ms);
  EXPECT_EQ(box.delay_before(4), 5000ms);  // capped
}

TEST(Outbox, DeadLettersAfterTheAttemptsAndLetsTheNextGo) {
  Outbox box({10ms, 2.0, 1000ms, 3, 24h});
  const auto stuck = box.enqueue("EHR", "C1", "report", t0);
  const auto next = box.enqueue("EHR", "C2", "next", t0);
  auto now = t0;
  EXPECT_FALSE(box.failed(stuck, "AE", now, Failure::error));
  EXPECT_FALSE(box.failed(stuck, "AE", now += 1s, Failure::error));
  const auto alert = box.failed(stuck, "AR: unknown patient", now += 1s, Failure::error);
  ASSERT_TRUE(alert);
  EXPECT_EQ(alert->control_id, "C1");
  EXPECT_EQ(alert->reason, "gave up after 3 attempts; last error: AR: unknown patient");
  ASSERT_EQ(box.dead_letters().size(), 1U);
  EXPECT_EQ(box.dead_letters()[0].state, OutboundMessage::State::dead);
  const auto due = box.due(now);
  ASSERT_EQ(due.size(), 1U);
  EXPECT_EQ(due[0].sequence, next);
}

// The defaults: a receiver that cannot be reached is retried through the downtime window, a
// receiver that refuses is given up on after max_refusals.
TEST(Outbox, RetriesAnUnreachableReceiverUntilTheMaximumAgeButNotARefusingOne) {
  Outbox box;
  const auto down = box.enqueue("EHR", "C1", "report", t0);
  auto now = t0;
  for (int i = 0; i < 100; ++i) ASSERT_FALSE(box.failed(down, "connection refused", now += 1min));
  const auto late = box.failed(down, "connection refused", t0 + 24h);
  ASSERT_TRUE(late);
  EXPECT_EQ(late->reason, "older than the maximum age after 101 attempts; last error: connection refused");

  const auto refused = box.enqueue("EHR", "C2", "report", now);
  EXPECT_FALSE(box.failed(refused, "answered AR", now, Failure::refused));
  EXPECT_FALSE(box.failed(refused, "no ACK within 30 s", now, Failure::unreachable));
  EXPECT_FALSE(box.failed(refused, "answered AR", now, Failure::refused));
  const auto alert = box.failed(refused, "answered AE", now, Failure::refused);
  ASSERT_TRUE(alert);
  EXPECT_EQ(alert->reason, "refused by the receiver, given up after 4 attempts; last error: answered AE");
}

TEST(Outbox, DeadLettersWhatIsTooOld) {
  Outbox box({10ms, 2.0, 1000ms, 100, 1h});
  const auto old = box.enqueue("EHR", "C1", "report", t0);
  EXPECT_FALSE(box.failed(old, "refused", t0 + 59min));
  const auto alert = box.failed(old, "refused", t0 + 61min);
  ASSERT_TRUE(alert);
  EXPECT_EQ(alert->reason, "older than the maximum age after 2 attempts; last error: refused");
  EXPECT_EQ(box.queued("EHR"), 0U);
}

TEST(Outbox, IgnoresAnAnswerForAMessageThatIsNotAtTheHead) {
  Outbox box;
  box.enqueue("EHR", "C1", "a", t0);
  const auto second = box.enqueue("EHR", "C2", "b", t0);
  box.delivered(second);  // not sent yet: a stray answer changes nothing
  EXPECT_FALSE(box.failed(second, "AE", t0));
  EXPECT_EQ(box.queued("EHR"), 2U);
}

// An answer about one message (AE, AR) holds that order's later messages only; the others go.
TEST(Outbox, AMessageTheReceiverAnswersWithAnErrorHoldsOnlyItsPatient) {
  Outbox box({1000ms, 2.0, 60'000ms, 0, 24h});
  const auto a1 = box.enqueue("EHR", "A1", "a", t0, "alice");
  const auto a2 = box.enqueue("EHR", "A2", "a", t0, "alice");
  const auto b1 = box.enqueue("EHR", "B1", "b", t0, "bob");
  auto due = box.due(t0);
  ASSERT_EQ(due.size(), 2U);  // each order's head
  EXPECT_EQ(due[0].sequence, a1);
  EXPECT_EQ(due[1].sequence, b1);
  EXPECT_FALSE(box.failed(a1, "answered AE", t0, Failure::error));
  due = box.due(t0);
  ASSERT_EQ(due.size(), 1U);  // bob goes on; alice's second waits behind her first
  EXPECT_EQ(due[0].sequence, b1);
  box.delivered(b1);
  EXPECT_TRUE(box.due(t0 + 999ms).empty());
  due = box.due(t0 + 1s);
  ASSERT_EQ(due.size(), 1U);
  EXPECT_EQ(due[0].sequence, a1);  // in order: never a2 before a1
  box.delivered(a1);
  due = box.due(t0 + 1s);
  ASSERT_EQ(due.size(), 1U);
  EXPECT_EQ(due[0].sequence, a2);
  EXPECT_EQ(box.queued("EHR"), 1U);
}

// A receiver that cannot be reached fails every message alike: the whole destination waits, and
// another destination does not.
TEST(Outbox, AnUnreachableReceiverHoldsItsWholeDestination) {
  Outbox box({1000ms, 2.0, 60'000ms, 0, 24h});
  const auto a1 = box.enqueue("EHR", "A1", "a", t0, "alice");
  const auto b1 = box.enqueue("EHR", "B1", "b", t0, "bob");
  const auto r1 = box.enqueue("RIS", "R1", "r", t0, "bob");
  EXPECT_FALSE(box.failed(a1, "connection refused", t0, Failure::unreachable));
  auto due = box.due(t0 + 500ms);
  ASSERT_EQ(due.size(), 1U);
  EXPECT_EQ(due[0].sequence, r1);
  due = box.due(t0 + 1s);
  ASSERT_EQ(due.size(), 3U);  // the hold is over: the oldest is tried first
  EXPECT_EQ(due[0].sequence, a1);
  EXPECT_EQ(due[1].sequence, b1);
  // Still unreachable at the retry: held again, for longer.
  EXPECT_FALSE(box.failed(a1, "connection refused", t0 + 1s, Failure::unreachable));
  due = box.due(t0 + 2s);
  ASSERT_EQ(due.size(), 1U);
  EXPECT_EQ(due[0].sequence, r1);
  // Any answer from the receiver, an error included, ends the hold: bob goes while alice waits.
  EXPECT_FALSE(box.failed(a1, "answered AE", t0 + 3s, Failure::error));
  due = box.due(t0 + 3s);
  ASSERT_EQ(due.size(), 2U);
  EXPECT_EQ(due[0].sequence, b1);
  EXPECT_EQ(due[1].sequence, r1);
}

// The order when there is one (a merge of patients, or a receiver's way of writing PID-3, does
// not move a message to another queue); else the patient; else nothing.
TEST(Outbox, KeysAMessageByItsOrderElseItsPatient) {
  const std::string oru = "MSH|^~\\&|A|B|C|D|20260101||ORU^R01|1|P|2.5\rPID|1||MRN1^^^HOSP^MR~X9^^^OTHER||DOE";
  EXPECT_EQ(ordering_key("ACC1", oru), "order ACC1");
  EXPECT_EQ(ordering_key("", oru), std::string("patient MRN1\x1fHOSP\x1f"));
  EXPECT_NE(ordering_key("", "MSH|^~\\&|A|B|C|D|20260101||ORU^R01|1|P|2.5\rPID|1||MRN1^^^CLINIC"),
            ordering_key("", oru));
  EXPECT_EQ(ordering_key("", "MSH|^~\\&|A|B|C|D|20260101||ACK|1|P|2.5\rMSA|AA|1"), "");
  EXPECT_EQ(ordering_key("", "not HL7"), "");
}

TEST(Outbox, RestoresAMessageOnceThoughItWasAlsoRequeued) {
  Outbox box;
  OutboundMessage m;
  m.sequence = 7;
  m.destination = "EHR";
  m.control_id = "C7";
  m.next_attempt = t0;
  box.requeue(m);
  box.restore(m);  // the store's next read finds the re-driven row again
  EXPECT_EQ(box.queued("EHR"), 1U);
  // And a message restored after a later one of its order was requeued still goes first.
  OutboundMessage earlier = m;
  earlier.sequence = 5;
  box.restore(earlier);
  auto due = box.due(t0);
  ASSERT_EQ(due.size(), 1U);
  EXPECT_EQ(due[0].sequence, 5U);
  box.delivered(5);
  box.delivered(7);
  EXPECT_TRUE(box.due(t0).empty());
}

}  // namespace
}  // namespace radloop::pipeline
