// Worklist matching rules on plain records: wildcards, date and time ranges, universal matching.
#include "reference/dicom/worklist.hpp"

#include <gtest/gtest.h>

namespace radloop::dicom {
namespace {

WorklistItem order() {
  WorklistItem item;
  item.patient_id = "MRN100";
  item.issuer_of_patient_id = "GENERAL";
  item.patient_name = "DOE^JANE";
  item.accession_number = "ACC100";
  item.requested_procedure_id = "RP100";
  item.step.modality = "CT";
  item.step.station_ae_title = "CT_SCANNER_1";
  item.step.start_date = "20260301";
  item.step.start_time = "093000";
  return item;
}

TEST(Worklist, EmptyQueryMatchesEveryItem) { EXPECT_TRUE(matches(order(), WorklistQuery{})); }

TEST(Worklist, WildcardStarMatchesAnyRun) {
  EXPECT_TRUE(wildcard_match("DOE*", "DOE^JANE"));
  EXPECT_TRUE(wildcard_match("*JANE", "DOE^JANE"));
  EXPECT_TRUE(wildcard_match("D*^*E", "DOE^JANE"));
  EXPECT_TRUE(wildcard_match("*", ""));
  EXPECT_FALSE(wildcard_match("DOE*X", "DOE^JANE"));
}

TEST(Worklist, WildcardQuestionMarkMatchesOneCharacter) {
  EXPECT_TRUE(wildcard_match("D?E^JANE", "DOE^JANE"));
  EXPECT_FALSE(wildcard_match("D?E", "DOOE"));
  EXPECT_TRUE(wildcard_match("M?LLER", "M\xC3\xBCLLER"));  // ü is one character, two bytes
}

TEST(Worklist, PatientNameIsCaseSensitive) {
  WorklistQuery query;
  query.patient_name = "doe*";
  EXPECT_FALSE(matches(order(), query));
  query.patient_name = "DOE*";
  EXPECT_TRUE(matches(order(), query));
}

TEST(Worklist, SingleValueKeysMustMatchExactly) {
  WorklistQuery query;
  query.patient_id = "MRN100";
  query.accession_number = "ACC100";
  query.requested_procedure_id = "RP100";
  query.modality = "CT";
  query.station_ae_title = "CT_SCANNER_1";
  EXPECT_TRUE(matches(order(), query));
  query.modality = "MR";
  EXPECT_FALSE(matches(order(), query));
}

TEST(Worklist, IssuerRestrictsThePatientIdWhenGiven) {
  WorklistQuery query;
  query.patient_id = "MRN100";
  query.issuer_of_patient_id = "OTHER";
  EXPECT_FALSE(matches(order(), query));
  query.issuer_of_patient_id = "GENERAL";
  EXPECT_TRUE(matches(order(), query));
}

TEST(Worklist, DateSingleValueAndRanges) {
  EXPECT_TRUE(range_match("20260301", "20260301"));
  EXPECT_FALSE(range_match("20260302", "20260301"));
  EXPECT_TRUE(range_match("20260301-20260302", "20260301"));
  EXPECT_TRUE(range_match("20260228-20260301", "20260301"));
  EXPECT_FALSE(range_match("20260302-20260303", "20260301"));
  EXPECT_TRUE(range_match("20260301-", "20261231"));
  EXPECT_FALSE(range_match("20260302-", "20260301"));
  EXPECT_TRUE(range_match("-20260301", "19991231"));
  EXPECT_FALSE(range_match("-20260228", "20260301"));
  EXPECT_FALSE(range_match("20260301", ""));
}

TEST(Worklist, TimeBoundsCoverTheirWholePrecision) {
  EXPECT_TRUE(range_match("0800-1200", "093000"));
  EXPECT_TRUE(range_match("-1200", "120059.5"));
  EXPECT_FALSE(range_match("-1200", "120100"));
  EXPECT_TRUE(range_match("0930", "093015"));
  EXPECT_FALSE(range_match("1000-", "093000"));
}

TEST(Worklist, StepKeysMatchInsideTheScheduledStep) {
  WorklistQuery query;
  query.start_date = "20260301-20260331";
  query.start_time = "0900-1000";
  EXPECT_TRUE(matches(order(), query));
  query.start_time = "1000-";
  EXPECT_FALSE(matches(order(), query));
}

TEST(Worklist, RangeWithTwoDashesOrLettersIsMalformed) {
  WorklistQuery query;
  EXPECT_FALSE(malformed(query));
  query.start_date = "20260301-20260302-20260303";
  EXPECT_TRUE(malformed(query));
  query.start_date = "TODAY";
  EXPECT_TRUE(malformed(query));
  query.start_date = "20260301-";
  query.start_time = "09:00";
  EXPECT_TRUE(malformed(query));
}

TEST(InMemoryOrderSource, AddsRemovesAndReplacesByAccessionNumber) {
  InMemoryOrderSource source;
  source.add(order());
  auto changed = order();
  changed.patient_name = "DOE^JOHN";
  EXPECT_TRUE(source.replace(changed));
  ASSERT_EQ(source.worklist().size(), 1U);
  EXPECT_EQ(source.worklist()[0].patient_name, "DOE^JOHN");
  EXPECT_FALSE(source.remove("NOPE"));
  EXPECT_TRUE(source.remove("ACC100"));
  EXPECT_TRUE(source.worklist().empty());
}

}  // namespace
}  // namespace radloop::dicom
