// The landing tracker: stage times kept at their first, late deliveries and orphan studies
// raised, and the timeline as the portal will serve it.
#include "reference/pipeline/landing.hpp"

#include <gtest/gtest.h>

namespace radloop::pipeline {
namespace {

using namespace std::chrono_literals;

// 2026-03-15T09:00:00Z
const Clock::time_point t0 = Clock::from_time_t(1773565200);

TEST(Landing, KeepsTheFirstTimeOfEachStage) {
  LandingTracker tracker;
  tracker.mark("ACC1", Stage::ordered, t0);
  tracker.mark("ACC1", Stage::images_received, t0 + 20min);
  tracker.mark("ACC1", Stage::images_received, t0 + 25min);  // a resend does not move it
  const auto landing = tracker.find("ACC1");
  ASSERT_TRUE(landing);
  EXPECT_EQ(*landing->at[static_cast<std::size_t>(Stage::images_received)], t0 + 20min);
  EXPECT_FALSE(landing->at[static_cast<std::size_t>(Stage::reported)]);
  EXPECT_FALSE(tracker.find("ACC2"));
}

TEST(Landing, RaisesALateDeliveryDeliveredOrNot) {
  LandingTracker tracker(30min);
  tracker.mark("ON-TIME", Stage::reported, t0);
  tracker.mark("ON-TIME", Stage::delivered, t0 + 5min);
  tracker.mark("LATE", Stage::reported, t0);
  tracker.mark("LATE", Stage::delivered, t0 + 45min);
  tracker.mark("STUCK", Stage::reported, t0);
  const auto alerts = tracker.alerts(t0 + 40min);
  ASSERT_EQ(alerts.size(), 2U);
  EXPECT_EQ(alerts[0].accession, "LATE");
  EXPECT_EQ(alerts[0].detail, "report delivered 45 min after sign-off (limit 30 min)");
  EXPECT_EQ(alerts[1].accession, "STUCK");
  EXPECT_EQ(alerts[1].detail, "report signed off 40 min ago and not delivered (limit 30 min)");
  EXPECT_EQ(tracker.alerts(t0 + 20min).size(), 1U);  // only LATE, whose delivery already came late
}

TEST(Landing, CountsStudiesWithNoOrderToLandOn) {
  LandingTracker tracker;
  tracker.mark("ORPHAN", Stage::images_received, t0);
  tracker.mark("FINE", Stage::ordered, t0);
  tracker.mark("FINE", Stage::images_received, t0 + 10min);
  tracker.mark("RECONCILED", Stage::images_received, t0);
  tracker.mark("RECONCILED", Stage::reconciled, t0 + 1h);
  EXPECT_EQ(tracker.orphans(), 1U);
  const auto alerts = tracker.alerts(t0);
  ASSERT_EQ(alerts.size(), 1U);
  EXPECT_EQ(alerts[0].kind, LandingAlert::Kind::orphan_study);
  EXPECT_EQ(alerts[0].accession, "ORPHAN");
}

TEST(Landing, ServesTheTimelineInStageOrder) {
  LandingTracker tracker;
  tracker.mark("ACC1", Stage::reported, t0 + 2h);
  tracker.mark("ACC1", Stage::ordered, t0);
  const auto timeline = tracker.timeline("ACC1");
  EXPECT_EQ(timeline["accession"], "ACC1");
  ASSERT_EQ(timeline["stages"].size(), 2U);
  EXPECT_EQ(timeline["stages"][0]["stage"], "ordered");
  EXPECT_EQ(timeline["stages"][0]["at"], "2026-03-15T09:00:00Z");
  EXPECT_EQ(timeline["stages"][1]["stage"], "reported");
  EXPECT_EQ(timeline["stages"][1]["at"], "2026-03-15T11:00:00Z");
  EXPECT_TRUE(tracker.timeline("NONE")["stages"].empty());
}

}  // namespace
}  // namespace radloop::pipeline
