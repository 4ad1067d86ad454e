// reports_reach_chart over hand-made histories and charts: arrival, patient, text, status, orphans.
#include <gtest/gtest.h>

#include "harness/checkers.hpp"
#include "tests/cpp/harness/chart_fixture.hpp"

namespace radloop::harness {
namespace {

using testing::Chart;
using testing::charted;
using testing::reported;

TEST(ReportsReachChart, EveryAcceptedStatusMustBeCharted) {
  History h;
  reported(h, 0, "P", "AA");
  reported(h, 1, "F", "AA");
  reported(h, 2, "C", "AE");  // refused by the system: not owed
  Chart chart;
  chart.entries.push_back(charted("P", "No acute findings.", "P1", "C1"));
  auto r = check_reports_reach_chart(h, chart.view());
  EXPECT_EQ(r.valid, Validity::invalid);  // F is missing
  auto f = charted("F", "No acute findings.", "P1", "C2");
  f.answered = "AE";  // the EHR refused it: not in the chart
  f.kept = false;
  chart.entries.push_back(f);
  EXPECT_EQ(check_reports_reach_chart(h, chart.view()).valid, Validity::invalid);
  chart.entries.push_back(charted("F", "No acute findings.", "P1", "C2"));
  EXPECT_EQ(check_reports_reach_chart(h, chart.view()).valid, Validity::valid);
  EXPECT_EQ(check_reports_reach_chart(h, PeerRecords{}).valid, Validity::unknown);
}

TEST(ReportsReachChart, NothingReportedIsNotExercisedNeverAPass) {
  History h;
  Chart chart;
  EXPECT_EQ(check_reports_reach_chart(h, chart.view()).valid, Validity::not_exercised);
  reported(h, 0, "F", "AE");  // refused: nothing owed either
  EXPECT_EQ(check_reports_reach_chart(h, chart.view()).valid, Validity::not_exercised);
}

TEST(ReportsReachChart, AReportChartedUnderAnotherPatientFails) {
  History h;
  reported(h, 0, "F", "AA");
  Chart chart;
  chart.entries.push_back(charted("F", "No acute findings.", "P2"));
  const auto r = check_reports_reach_chart(h, chart.view());
  EXPECT_EQ(r.valid, Validity::invalid);
  EXPECT_NE(r.evidence[0]["why"].get<std::string>().find("charted under patient P2"), std::string::npos)
      << r.evidence.dump();
  chart.entries = {charted("F")};
  EXPECT_EQ(check_reports_reach_chart(h, chart.view()).valid, Validity::valid);
}

TEST(ReportsReachChart, AfterAMergeTheSurvivorsChartIsTheRightOne) {
  History h;
  reported(h, 0, "F", "AA");
  h.append("m", OpType::invoke, "hl7_send", {{"step", 1}, {"truth", {{"patient_id", "P9"}, {"merged_from", "P1"}}}});
  Chart chart;
  chart.entries.push_back(charted("F", "No acute findings.", "P9"));
  EXPECT_EQ(check_reports_reach_chart(h, chart.view()).valid, Validity::valid);
}

TEST(ReportsReachChart, TextCutAtALineBreakFailsTheSameTextInAnyLineBreakPasses) {
  History h;
  reported(h, 0, "F", "AA", "Findings: a nodule.\nImpression: stable.");
  Chart chart;
  chart.entries.push_back(charted("F", "Findings: a nodule."));
  const auto r = check_reports_reach_chart(h, chart.view());
  EXPECT_EQ(r.valid, Validity::invalid);
  EXPECT_EQ(r.evidence[0]["shown"][0]["text"], "Findings: a nodule.");
  // HL7 writes a line break as \.br\, a new OBX-5 repetition or a new OBX: all read as one.
  chart.entries = {charted("F", "Findings: a nodule.\r\nImpression: stable.  \n")};
  EXPECT_EQ(check_reports_reach_chart(h, chart.view()).valid, Validity::valid);
}

TEST(ReportsReachChart, AnAddendumWhoseTextIsDroppedFails) {
  History h;
  reported(h, 0, "F", "AA");
  reported(h, 1, "C", "AA", "The nodule is stable.", true);
  Chart chart;
  chart.entries.push_back(charted("F", "No acute findings.", "P1", "C1"));
  chart.entries.push_back(charted("C", "No acute findings.", "P1", "C2"));
  const auto r = check_reports_reach_chart(h, chart.view());
  EXPECT_EQ(r.valid, Validity::invalid);
  // Beside the report it amends, the addendum's text is there.
  chart.entries[1] = charted("C", "No acute findings.\nThe nodule is stable.", "P1", "C2");
  EXPECT_EQ(check_reports_reach_chart(h, chart.view()).valid, Validity::valid);
}

TEST(ReportsReachChart, AReportForAnUnknownOrderInAChartFails) {
  History h;
  reported(h, 0, "F", "AA", "Orphan.", false, false);
  Chart chart;
  EXPECT_EQ(check_reports_reach_chart(h, chart.view()).valid, Validity::valid);
  chart.entries.push_back(charted("F", "Orphan."));
  const auto r = check_reports_reach_chart(h, chart.view());
  EXPECT_EQ(r.valid, Validity::invalid);
  EXPECT_EQ(r.evidence[0]["why"], "a report for an order nobody placed reached the chart");
}

TEST(ReportsReachChart, AStatusTheRisNeverSentFails) {
  History h;
  reported(h, 0, "P", "AA");
  Chart chart;
  chart.entries.push_back(charted("P", "No acute findings.", "P1", "C1"));
  chart.entries.push_back(charted("F", "No acute findings.", "P1", "C2"));  // a preliminary promoted
  const auto r = check_reports_reach_chart(h, chart.view());
  EXPECT_EQ(r.valid, Validity::invalid);
  EXPECT_NE(r.evidence.dump().find("which the RIS never sent"), std::string::npos) << r.evidence.dump();
}

TEST(ReportsReachChart, AnOrphanFiledOnThePatientsOpenOrderFails) {
  History h;
  reported(h, 0, "F", "AA", "Orphan.", false, false);
  Chart chart;
  auto refiled = charted("F", "Orphan.");
  refiled.accession = "A7";  // the patient's real open order, which nobody reported on
  chart.entries.push_back(refiled);
  const auto r = check_reports_reach_chart(h, chart.view());
  EXPECT_EQ(r.valid, Validity::invalid);
  EXPECT_NE(r.evidence.dump().find("for which nobody signed a report"), std::string::npos) << r.evidence.dump();
}

TEST(ReportsReachChart, OneTextChartedTwiceIsNotTwoReports) {
  History h;
  reported(h, 0, "C", "AA", "First correction.");
  reported(h, 1, "C", "AA", "Second correction.");
  Chart chart;
  chart.entries = {charted("C", "First correction.", "P1", "C1"), charted("C", "First correction.", "P1", "C2")};
  EXPECT_EQ(check_reports_reach_chart(h, chart.view()).valid, Validity::invalid);
  chart.entries[1] = charted("C", "Second correction.", "P1", "C2");
  EXPECT_EQ(check_reports_reach_chart(h, chart.view()).valid, Validity::valid);
}

// A system whose only face here is its FHIR DiagnosticReports.
class Publishing final : public SystemUnderTest {
 public:
  bool publishes = true;
  std::vector<PublishedReport> reports;
  [[nodiscard]] Endpoints endpoints() const override { return {}; }
  Result<bool> has_inbound(const std::string&, const std::string&) override { return false; }
  Result<std::int64_t> count_inbound_records(const std::string&, const std::string&) override { return 0; }
  Result<std::optional<LandedStudy>> find_study(const std::string&) override { return std::optional<LandedStudy>{}; }
  Result<std::vector<PublishedReport>> published_reports(const std::string& accession) override {
    if (!publishes) return SystemUnderTest::published_reports(accession);
    return reports;
  }
};

TEST(ReportsReachChart, ThePublishedDiagnosticReportIsJudgedForStatusPatientAndText) {
  History h;
  reported(h, 0, "F", "AA", "No acute findings.");
  Chart chart;
  chart.entries = {charted("F")};
  Publishing fhir;
  fhir.reports = {{"r1", "final", {"P1"}, "IMPRESSION:\nNo acute findings."}};
  EXPECT_EQ(check_reports_reach_chart(h, chart.view(), &fhir).valid, Validity::valid);
  fhir.reports[0].patient_ids = {"P2"};
  auto r = check_reports_reach_chart(h, chart.view(), &fhir);
  EXPECT_EQ(r.valid, Validity::invalid);
  EXPECT_EQ(r.evidence.back()["shown"][0]["patient_ok"], false);
  fhir.reports = {{"r1", "preliminary", {"P1"}, "No acute findings."}};  // a status never signed last
  EXPECT_EQ(check_reports_reach_chart(h, chart.view(), &fhir).valid, Validity::invalid);
  fhir.reports = {{"r1", "final", {"P1"}, "No acute"}};  // the text cut short
  EXPECT_EQ(check_reports_reach_chart(h, chart.view(), &fhir).valid, Validity::invalid);
  fhir.reports.clear();
  EXPECT_EQ(check_reports_reach_chart(h, chart.view(), &fhir).valid, Validity::invalid);
  // A right one beside one about another patient is not right.
  fhir.reports = {{"r1", "final", {"P1"}, "No acute findings."}, {"r2", "final", {"P2"}, "No acute findings."}};
  r = check_reports_reach_chart(h, chart.view(), &fhir);
  EXPECT_EQ(r.valid, Validity::invalid);
  EXPECT_NE(r.evidence.back()["why"].get<std::string>().find("another patient"), std::string::npos);
  // No FHIR to read: said in the evidence, neutral for the verdict, never a pass of its own.
  fhir.publishes = false;
  r = check_reports_reach_chart(h, chart.view(), &fhir);
  EXPECT_EQ(r.valid, Validity::valid);
  EXPECT_EQ(r.evidence.back()["valid"], "not_exercised");
}

TEST(ReportsReachChart, APreliminaryArrivingAfterTheFinalDoesNotUndoIt) {
  History h;
  reported(h, 0, "F", "AA", "Final text.");
  reported(h, 1, "P", "AA", "Preliminary text.");  // out of order
  Chart chart;
  chart.entries = {charted("F", "Final text.", "P1", "C1"), charted("P", "Preliminary text.", "P1", "C2")};
  Publishing fhir;
  fhir.reports = {{"r1", "final", {"P1"}, "Final text."}};
  EXPECT_EQ(check_reports_reach_chart(h, chart.view(), &fhir).valid, Validity::valid);
  fhir.reports = {{"r1", "preliminary", {"P1"}, "Preliminary text."}};  // fell back to the preliminary
  EXPECT_EQ(check_reports_reach_chart(h, chart.view(), &fhir).valid, Validity::invalid);
}

}  // namespace
}  // namespace radloop::harness
