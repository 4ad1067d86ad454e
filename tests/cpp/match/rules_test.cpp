// Every matching rule, including the ones that must not link: each test is one real-world way a
// study and its order fail to meet.
#include "reference/match/rules.hpp"

#include <gtest/gtest.h>

#include "reference/match/memory_index.hpp"

namespace radloop::match {
namespace {

using Kind = Decision::Kind;

OrderView order(std::string id, std::string patient, std::string accession, std::string date = "20260315",
                std::string modality = "CT", std::string issuer = "GENERAL") {
  return {std::move(id),        {std::move(patient), std::move(issuer)},
          std::move(accession), std::move(modality),
          std::move(date),      ""};
}

StudyView study(std::string patient, std::string accession, std::string issuer = "GENERAL") {
  return {{std::move(patient), std::move(issuer)},
          std::move(accession),
          "1.2.826.0.1.3680043.9.7433.9.1",
          "CT",
          "20260315",
          "CT_SCANNER_1"};
}

class Rules : public ::testing::Test {
 protected:
  void SetUp() override {
    orders_.put(order("O1", "MRN1", "ACC12345"));
    orders_.put(order("O2", "MRN1", "ACC55555", "20260318", "MR"));
    orders_.put(order("O3", "MRN2", "ACC67890"));
  }
  MemoryOrderIndex orders_;
};

TEST_F(Rules, LinksWhenPatientAndAccessionAgree) {
  const auto d = decide(study("MRN1", "ACC12345"), orders_);
  EXPECT_EQ(d.kind, Kind::link);
  EXPECT_EQ(d.reason, Reason::exact_patient_and_accession);
  EXPECT_EQ(d.order_id, "O1");
}

TEST_F(Rules, LinksByTheStudyUidTheOrderCarried) {
  auto zds = order("O4", "MRN3", "ACC99999");
  zds.study_instance_uid = "1.2.826.0.1.3680043.9.7433.9.1";
  orders_.put(zds);
  const auto d = decide(study("MRN3", ""), orders_);  // even with the accession left blank
  EXPECT_EQ(d.kind, Kind::link);
  EXPECT_EQ(d.reason, Reason::study_uid_from_order);
  EXPECT_EQ(d.order_id, "O4");
}

// The order's UID on a study of another patient (someone else picked at the console, or the
// images edited): held for review like any other disagreement, not linked on the UID's word.
TEST_F(Rules, AStudyUidDoesNotOutweighAnotherPatient) {
  auto zds = order("O4", "MRN3", "ACC99999");
  zds.study_instance_uid = "1.2.826.0.1.3680043.9.7433.9.1";
  orders_.put(zds);
  const auto d = decide(study("MRN2", "ACC99999"), orders_);
  EXPECT_EQ(d.kind, Kind::review);
  EXPECT_EQ(d.reason, Reason::accession_other_patient);
}

// The accession is right but the patient is not: the images are probably someone else's.
TEST_F(Rules, NeverLinksAnAccessionToAnotherPatient) {
  const auto d = decide(study("MRN2", "ACC12345"), orders_);
  EXPECT_EQ(d.kind, Kind::review);
  EXPECT_EQ(d.reason, Reason::accession_other_patient);
  ASSERT_EQ(d.candidates.size(), 1U);
  EXPECT_EQ(d.candidates[0].order_id, "O1");
  EXPECT_NE(d.explanation.find("belongs to order O1 for patient MRN1"), std::string::npos) << d.explanation;
}

// MRN1 at GENERAL and MRN1 at another facility are two people.
TEST_F(Rules, TheSameIdFromAnotherIssuerIsNotTheSamePatient) {
  const auto d = decide(study("MRN1", "ACC12345", "NORTHSIDE"), orders_);
  EXPECT_EQ(d.kind, Kind::review);
  EXPECT_EQ(d.reason, Reason::issuer_differs);
}

TEST_F(Rules, ABlankAccessionGoesToReviewWithRankedCandidates) {
  auto s = study("MRN1", "");
  s.study_instance_uid.clear();
  const auto d = decide(s, orders_);
  EXPECT_EQ(d.kind, Kind::review);
  EXPECT_EQ(d.reason, Reason::blank_accession);
  ASSERT_EQ(d.candidates.size(), 2U);
  EXPECT_EQ(d.candidates[0].order_id, "O1");  // same modality, same day
  EXPECT_EQ(d.candidates[1].order_id, "O2");  // MR, 3 days later
  EXPECT_EQ(d.candidates[0].why, "same patient, same modality, 0 days apart");
}

TEST_F(Rules, ABlankAccessionOutsideTheWindowHasNoCandidates) {
  auto s = study("MRN1", "");
  s.study_date = "20260501";
  const auto d = decide(s, orders_);
  EXPECT_EQ(d.kind, Kind::review);
  EXPECT_TRUE(d.candidates.empty());
}

TEST_F(Rules, ATransposedOrMistypedAccessionIsSuggestedNotLinked) {
  for (const char* slip : {"ACC21345", "ACC12346"}) {  // two digits swapped; one digit wrong
    const auto d = decide(study("MRN1", slip), orders_);
    EXPECT_EQ(d.kind, Kind::review) << slip;
    EXPECT_EQ(d.reason, Reason::accession_near_miss) << slip;
    EXPECT_EQ(d.order_id, "O1") << slip;
  }
  // Another patient's order one slip away is not offered: the slip is only looked for within
  // the patient's own orders.
  const auto other = decide(study("MRN2", "ACC12346"), orders_);
  EXPECT_EQ(other.kind, Kind::pending);
}

TEST_F(Rules, AStudyBeforeItsOrderWaits) {
  const auto d = decide(study("MRN9", "ACC00001"), orders_);
  EXPECT_EQ(d.kind, Kind::pending);
  EXPECT_EQ(d.reason, Reason::no_order_yet);
  orders_.put(order("O9", "MRN9", "ACC00001"));  // the order arrives: decided again, it links
  EXPECT_EQ(decide(study("MRN9", "ACC00001"), orders_).kind, Kind::link);
}

TEST_F(Rules, AnAccessionUsedByTwoOrdersIsFlaggedAndItsStudiesReviewed) {
  const auto second = order("O5", "MRN2", "ACC12345");
  const auto collisions = accession_collisions(second, orders_);
  ASSERT_EQ(collisions.size(), 1U);
  EXPECT_EQ(collisions[0].order_id, "O1");
  orders_.put(second);
  const auto d = decide(study("MRN1", "ACC12345"), orders_);
  EXPECT_EQ(d.kind, Kind::review);
  EXPECT_EQ(d.reason, Reason::accession_collision);
  ASSERT_EQ(d.candidates.size(), 2U);
  EXPECT_EQ(d.candidates[0].order_id, "O1");  // the one for this patient first
}

// A source that writes MRNs with leading zeros, or with a site prefix, is normalised only by
// the rules configured for it.
TEST_F(Rules, NormalisesPatientIdsOnlyAsConfiguredPerSource) {
  MatchConfig config;
  config.id_rules = {{"CT_SCANNER_1", "SITEA-", true}};
  auto padded = study("SITEA-000MRN1", "ACC12345");
  EXPECT_EQ(decide(padded, orders_, config).kind, Kind::link);
  padded.source = "MR_1";  // no rule for this source: no guessing
  EXPECT_EQ(decide(padded, orders_, config).reason, Reason::accession_other_patient);
  EXPECT_EQ(normalise_patient_id("0000", "CT_SCANNER_1", config), "0");
}

TEST(NearMiss, IsOneTranspositionOrOneSubstitution) {
  EXPECT_TRUE(near_miss("ACC12345", "ACC21345"));
  EXPECT_TRUE(near_miss("ACC12345", "ACC12355"));
  EXPECT_FALSE(near_miss("ACC12345", "ACC12345"));
  EXPECT_FALSE(near_miss("ACC12345", "ACC32145"));  // not neighbours
  EXPECT_FALSE(near_miss("ACC12345", "ACC1234"));   // a dropped digit is not one of these
  EXPECT_FALSE(near_miss("ACC12345", "ACC99345"));  // two substitutions
}

TEST(MemoryOrderIndex, ReplacesAndRemovesOrdersWithTheirKeys) {
  MemoryOrderIndex index;
  index.put(order("O1", "MRN1", "ACC1"));
  index.put(order("O1", "MRN1", "ACC2"));  // the accession was corrected
  EXPECT_TRUE(index.by_accession("ACC1").empty());
  EXPECT_EQ(index.by_accession("ACC2").size(), 1U);
  EXPECT_EQ(index.size(), 1U);
  EXPECT_TRUE(index.remove("O1"));
  EXPECT_TRUE(index.by_patient({"MRN1", "GENERAL"}).empty());
  EXPECT_FALSE(index.remove("O1"));
}

}  // namespace
}  // namespace radloop::match
