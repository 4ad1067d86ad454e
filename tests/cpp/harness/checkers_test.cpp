// Checkers over hand-made histories and a system whose state the test controls.
#include "harness/checkers.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>

namespace radloop::harness {
namespace {

class FakeSystem final : public SystemUnderTest {
 public:
  std::set<std::pair<std::string, std::string>> kept;
  bool observable = true;

  [[nodiscard]] Endpoints endpoints() const override { return {}; }
  Result<bool> has_inbound(const std::string& sender, const std::string& id) override {
    if (!observable) return Error{Errc::connect_failed, "fake", "query API down"};
    return kept.contains({sender, id});
  }
  // "A-copy" is a second record of message A.
  Result<std::int64_t> count_inbound_records(const std::string& sender, const std::string& id) override {
    if (!observable) return Error{Errc::connect_failed, "fake", "query API down"};
    return static_cast<std::int64_t>(std::count_if(kept.begin(), kept.end(), [&](const auto& k) {
      return k.first == sender && (k.second == id || k.second == id + "-copy");
    }));
  }
  std::map<std::string, LandedStudy> studies;
  Result<std::optional<LandedStudy>> find_study(const std::string& uid) override {
    if (!observable) return Error{Errc::not_observable, "fake", "no query API"};
    const auto it = studies.find(uid);
    if (it == studies.end()) return std::optional<LandedStudy>{};
    return std::optional<LandedStudy>{it->second};
  }
};

// A modality step that sent a study for patient P1, accession A1, with `accepted` instances kept.
void acquired(History& h, int step, const std::string& uid, int accepted) {
  h.append("acq", OpType::invoke, "modality.acquire", {{"step", step}});
  h.append("acq", OpType::ok, "modality.acquire",
           {{"step", step},
            {"study_uid", uid},
            {"accepted", std::to_string(accepted)},
            {"truth", {{"patient_id", "P1"}, {"accession", "A1"}, {"study_uid", uid}}}});
}

LandedStudy landed(const std::string& state, const std::string& linked_patient, const std::string& linked_accession,
                   std::int64_t instances) {
  LandedStudy s;
  s.study_uid = "1.2";
  s.patient_id = "P1";
  s.state = state;
  s.linked_patient_id = linked_patient;
  s.linked_accession = linked_accession;
  s.instances = instances;
  return s;
}

void sent(History& h, int step, const std::string& id, OpType type, const std::string& ack) {
  h.append("s", OpType::invoke, "hl7_send", {{"step", step}, {"sender", "EHR^H"}, {"control_id", id}});
  nlohmann::json value{{"step", step}};
  if (!ack.empty()) value["ack"] = ack;
  h.append("s", type, "hl7_send", value);
}

TEST(Combine, FalseBeatsUnknownBeatsTrue) {
  auto r = [](Validity v) { return CheckResult{"c", v, {}}; };
  EXPECT_EQ(combine({r(Validity::valid), r(Validity::valid)}), Validity::valid);
  EXPECT_EQ(combine({r(Validity::valid), r(Validity::unknown)}), Validity::unknown);
  EXPECT_EQ(combine({r(Validity::unknown), r(Validity::invalid), r(Validity::valid)}), Validity::invalid);
  EXPECT_EQ(combine({}), Validity::unknown);  // nothing checked is not a pass
}

TEST(NoSilentLoss, ValidWhenEveryAckedMessageIsKept) {
  History h;
  sent(h, 0, "A", OpType::ok, "AA");
  sent(h, 1, "B", OpType::fail, "AR");  // refused: nothing owed
  FakeSystem sys;
  sys.kept = {{"EHR^H", "A"}};
  EXPECT_EQ(check_no_silent_loss(h, sys).valid, Validity::valid);
}

TEST(NoSilentLoss, InvalidWhenAnAckedMessageIsMissing) {
  History h;
  sent(h, 0, "A", OpType::ok, "AA");
  FakeSystem sys;
  const auto r = check_no_silent_loss(h, sys);
  EXPECT_EQ(r.valid, Validity::invalid);
  EXPECT_EQ(r.evidence["missing"][0]["control_id"], "A");
}

TEST(NoSilentLoss, UnknownWhenTheSystemCannotBeQueried) {
  History h;
  sent(h, 0, "A", OpType::ok, "AA");
  FakeSystem sys;
  sys.observable = false;
  EXPECT_EQ(check_no_silent_loss(h, sys).valid, Validity::unknown);
}

TEST(NoSilentLoss, AMessageWhoseAckNeverCameIsNotOwed) {
  History h;
  sent(h, 0, "A", OpType::info, "");  // timed out: outcome unknown
  FakeSystem sys;
  EXPECT_EQ(check_no_silent_loss(h, sys).valid, Validity::valid);
}

TEST(Idempotence, InvalidWhenADuplicateWasKeptTwice) {
  History h;
  sent(h, 0, "A", OpType::ok, "AA");
  sent(h, 1, "A", OpType::ok, "AA");
  FakeSystem sys;
  sys.kept = {{"EHR^H", "A"}, {"EHR^H", "A-copy"}};
  EXPECT_EQ(check_idempotence(h, sys).valid, Validity::invalid);
  sys.kept = {{"EHR^H", "A"}};
  EXPECT_EQ(check_idempotence(h, sys).valid, Validity::valid);
  // A message the system answered AE but kept (for a person to look at) is not a duplicate.
  sent(h, 2, "B", OpType::fail, "AE");
  sys.kept = {{"EHR^H", "A"}, {"EHR^H", "B"}};
  EXPECT_EQ(check_idempotence(h, sys).valid, Validity::valid);
}

Scenario scenario_expecting(const std::string& key, const std::string& value) {
  Scenario s;
  Step step;
  step.name = "only";
  step.action = Hl7Send{"MSH"};
  step.expect = {{key, value}};
  s.steps.push_back(step);
  return s;
}

TEST(Expectations, ComparesTheCompletionWithWhatTheStepExpects) {
  History h;
  sent(h, 0, "A", OpType::ok, "AA");
  EXPECT_EQ(check_expectations(scenario_expecting("ack", "AA"), h).valid, Validity::valid);
  EXPECT_EQ(check_expectations(scenario_expecting("ack", "AR"), h).valid, Validity::invalid);
  EXPECT_EQ(check_expectations(scenario_expecting("status", "success"), h).valid, Validity::invalid);
}

TEST(Expectations, UnknownWhenTheOutcomeWasNotObserved) {
  History h;
  sent(h, 0, "A", OpType::info, "");
  EXPECT_EQ(check_expectations(scenario_expecting("ack", "AA"), h).valid, Validity::unknown);
  History empty;
  EXPECT_EQ(check_expectations(scenario_expecting("ack", "AA"), empty).valid, Validity::unknown);
}

TEST(NoWrongPatient, ValidWhenLinkedToTheTruePatientInvalidWhenToAnother) {
  History h;
  acquired(h, 0, "1.2", 2);
  FakeSystem sys;
  sys.studies["1.2"] = landed("linked", "P1", "A1", 2);
  EXPECT_EQ(check_no_wrong_patient(h, sys).valid, Validity::valid);
  sys.studies["1.2"] = landed("linked", "P2", "A9", 2);
  const auto r = check_no_wrong_patient(h, sys);
  EXPECT_EQ(r.valid, Validity::invalid);
  EXPECT_EQ(r.evidence[0]["shown"]["linked_patient_id"], "P2");
}

TEST(NoWrongPatient, WithoutALinkStateThePatientItIsFiledUnderDecides) {
  History h;
  acquired(h, 0, "1.2", 1);
  FakeSystem sys;
  auto s = landed("", "", "", 1);
  s.patient_id = "P7";
  sys.studies["1.2"] = s;
  EXPECT_EQ(check_no_wrong_patient(h, sys).valid, Validity::invalid);
}

TEST(EverythingLands, HeldInReviewIsLandedLostInstancesAreNot) {
  History h;
  acquired(h, 0, "1.2", 3);
  FakeSystem sys;
  sys.studies["1.2"] = landed("review", "", "", 3);
  EXPECT_EQ(check_everything_lands(h, sys).valid, Validity::valid);
  sys.studies["1.2"] = landed("linked", "P1", "A1", 2);
  const auto lost = check_everything_lands(h, sys);
  EXPECT_EQ(lost.valid, Validity::invalid);
  EXPECT_NE(lost.evidence[0]["why"].get<std::string>().find("2 are queryable"), std::string::npos);
  sys.studies["1.2"] = landed("linked", "P1", "A2", 3);
  EXPECT_EQ(check_everything_lands(h, sys).valid, Validity::invalid);  // the wrong order
  sys.studies.clear();
  EXPECT_EQ(check_everything_lands(h, sys).valid, Validity::invalid);  // not there at all
}

TEST(EverythingLands, UnknownWhenTheSystemShowsNothingToJudgeBy) {
  History h;
  acquired(h, 0, "1.2", 1);
  FakeSystem sys;
  sys.studies["1.2"] = landed("", "", "", 1);  // stored, but no link state to see
  EXPECT_EQ(check_everything_lands(h, sys).valid, Validity::unknown);
  sys.observable = false;
  EXPECT_EQ(check_everything_lands(h, sys).valid, Validity::unknown);
  EXPECT_EQ(check_no_wrong_patient(h, sys).valid, Validity::unknown);
}

void reported(History& h, int step, const std::string& status, const std::string& ack) {
  h.append("r", OpType::invoke, "hl7_send",
           {{"step", step}, {"truth", {{"accession", "A1"}, {"report_status", status}}}});
  h.append("r", ack == "AA" ? OpType::ok : OpType::fail, "hl7_send", {{"step", step}, {"ack", ack}});
}

TEST(ReportsReachChart, EveryAcceptedStatusMustBeChartedAnsweredAA) {
  History h;
  reported(h, 0, "P", "AA");
  reported(h, 1, "F", "AA");
  reported(h, 2, "C", "AE");  // refused by the system: not owed
  std::vector<ehr::ChartEntry> chart;
  ChartView view{[&] { return chart; }, std::chrono::milliseconds(0)};
  ehr::ChartEntry p;
  p.accession = "A1";
  p.status = "P";
  p.answered = "AA";
  chart.push_back(p);
  auto r = check_reports_reach_chart(h, view);
  EXPECT_EQ(r.valid, Validity::invalid);  // F is missing
  auto f = p;
  f.status = "F";
  f.answered = "AE";  // the EHR refused it: not in the chart
  chart.push_back(f);
  EXPECT_EQ(check_reports_reach_chart(h, view).valid, Validity::invalid);
  f.answered = "AA";
  chart.push_back(f);
  EXPECT_EQ(check_reports_reach_chart(h, view).valid, Validity::valid);
  EXPECT_EQ(check_reports_reach_chart(h, ChartView{}).valid, Validity::unknown);
}

}  // namespace
}  // namespace radloop::harness
