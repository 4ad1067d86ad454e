// The review queue: open from a decision, link, relink, reject, each audited; resolving what is
// not in a state for it is refused with a reason the portal can return (404, 409).
#include "reference/match/review_queue.hpp"

#include <gtest/gtest.h>

#include "reference/match/memory_index.hpp"

namespace radloop::match {
namespace {

using namespace std::chrono_literals;
const Clock::time_point t0 = Clock::from_time_t(1773565200);

Decision near_miss_decision() {
  MemoryOrderIndex orders;
  orders.put({"O1", {"MRN1", "GENERAL"}, "ACC12345", "CT", "20260315", ""});
  return decide({{"MRN1", "GENERAL"}, "ACC21345", "", "CT", "20260315", "CT1"}, orders);
}

TEST(ReviewQueue, OpensAnItemWithTheDecisionsReasonAndCandidates) {
  ReviewQueue queue;
  const auto id = queue.open("1.2.3", near_miss_decision(), t0);
  const auto open = queue.open_items();
  ASSERT_EQ(open.size(), 1U);
  EXPECT_EQ(open[0].id, id);
  EXPECT_EQ(open[0].reason, Reason::accession_near_miss);
  ASSERT_EQ(open[0].candidates.size(), 1U);
  EXPECT_EQ(open[0].candidates[0].order_id, "O1");
}

TEST(ReviewQueue, LinksRelinksAndAuditsEachStep) {
  ReviewQueue queue;
  const auto id = queue.open("1.2.3", near_miss_decision(), t0);
  const auto linked = queue.link(id, "O1", "dr.who", t0 + 1min);
  ASSERT_TRUE(linked.ok());
  EXPECT_EQ(linked->state, ReviewItem::State::linked);
  EXPECT_TRUE(queue.open_items().empty());
  const auto moved = queue.relink(id, "O7", "dr.who", t0 + 2min);
  ASSERT_TRUE(moved.ok());
  EXPECT_EQ(moved->order_id, "O7");
  const auto audit = queue.audit();
  ASSERT_EQ(audit.size(), 3U);
  EXPECT_EQ(audit[0].action, "open");
  EXPECT_EQ(audit[1].action, "link");
  EXPECT_EQ(audit[1].actor, "dr.who");
  EXPECT_EQ(audit[2].detail, "from order O1 to order O7");
}

TEST(ReviewQueue, RefusesWhatTheItemsStateDoesNotAllow) {
  ReviewQueue queue;
  const auto id = queue.open("1.2.3", near_miss_decision(), t0);
  EXPECT_EQ(queue.relink(id, "O2", "a", t0).error().code, Errc::review_conflict);  // never linked
  ASSERT_TRUE(queue.reject(id, "a phantom study", "a", t0).ok());
  const auto again = queue.link(id, "O1", "b", t0);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, Errc::review_conflict);
  EXPECT_NE(again.error().detail.find("it is rejected"), std::string::npos) << again.error().detail;
  EXPECT_EQ(queue.link(99, "O1", "b", t0).error().code, Errc::review_not_found);
  EXPECT_EQ(queue.audit().size(), 2U);  // refusals change nothing and are not actions
}

}  // namespace
}  // namespace radloop::match
