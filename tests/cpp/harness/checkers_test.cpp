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
            {"accepted", accepted},
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

TEST(NoSilentLoss, AMessageWhoseAckNeverCameIsNotOwedAndLeavesNothingToJudge) {
  History h;
  sent(h, 0, "A", OpType::info, "");  // timed out: outcome unknown
  FakeSystem sys;
  EXPECT_EQ(check_no_silent_loss(h, sys).valid, Validity::not_exercised);
  sent(h, 1, "B", OpType::ok, "AA");
  sys.kept = {{"EHR^H", "B"}};
  EXPECT_EQ(check_no_silent_loss(h, sys).valid, Validity::valid);
}

Scenario scenario_expecting(const std::string& key, const std::string& value) {
  Scenario s;
  Step step;
  step.name = "only";
  step.action = Hl7Send{"MSH"};
  step.expect = {{key, expected_from_text(value)}};
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

TEST(Expectations, AStepThatFailedFailsWithoutExpectAndOneNeverCompletedIsUnknown) {
  Scenario s;
  Step step;
  step.name = "put the fault on the link";
  step.action = Wait{};
  s.steps.push_back(step);
  History h;
  h.append("x", OpType::invoke, "link.fault", {{"step", 0}});
  h.append("x", OpType::fail, "link.fault", {{"step", 0}, {"error", "no such link"}});
  const auto r = check_expectations(s, h);
  EXPECT_EQ(r.valid, Validity::invalid);
  EXPECT_EQ(r.evidence[0]["why"], "the step did not succeed");
  History ok;
  ok.append("x", OpType::invoke, "link.fault", {{"step", 0}});
  ok.append("x", OpType::ok, "link.fault", {{"step", 0}});
  EXPECT_EQ(check_expectations(s, ok).valid, Validity::valid);
  History unsure;
  unsure.append("x", OpType::invoke, "link.fault", {{"step", 0}});
  unsure.append("x", OpType::info, "link.fault", {{"step", 0}});
  EXPECT_EQ(check_expectations(s, unsure).valid, Validity::unknown);
}

TEST(Expectations, TypedValuesSetsAndStatusClasses) {
  History h;
  h.append("x", OpType::invoke, "modality.acquire", {{"step", 0}});
  h.append("x", OpType::ok, "modality.acquire",
           {{"step", 0}, {"accepted", 2}, {"found", true}, {"resend_answer", "0xB007"}, {"ack", "AE"}});
  EXPECT_EQ(check_expectations(scenario_expecting("accepted", "2"), h).valid, Validity::valid);
  EXPECT_EQ(check_expectations(scenario_expecting("accepted", "3"), h).valid, Validity::invalid);
  EXPECT_EQ(check_expectations(scenario_expecting("found", "true"), h).valid, Validity::valid);
  EXPECT_EQ(check_expectations(scenario_expecting("found", "false"), h).valid, Validity::invalid);
  EXPECT_EQ(check_expectations(scenario_expecting("resend_answer", "warning"), h).valid, Validity::valid);
  EXPECT_EQ(check_expectations(scenario_expecting("resend_answer", "success|warning"), h).valid, Validity::valid);
  EXPECT_EQ(check_expectations(scenario_expecting("resend_answer", "0xB000"), h).valid, Validity::invalid);
  EXPECT_EQ(check_expectations(scenario_expecting("resend_answer", "failure"), h).valid, Validity::invalid);
  EXPECT_EQ(check_expectations(scenario_expecting("ack", "AA|AE"), h).valid, Validity::valid);
  EXPECT_EQ(check_expectations(scenario_expecting("ack", "AA"), h).valid, Validity::invalid);
}

TEST(Expectations, APolicyStepIsJudgedUnlessLeftOut) {
  auto s = scenario_expecting("resend_answer", "0xB000");
  s.steps[0].policy = "keep the first copy and warn";
  History h;
  h.append("x", OpType::invoke, "modality.acquire", {{"step", 0}});
  h.append("x", OpType::ok, "modality.acquire", {{"step", 0}, {"resend_answer", "0x0000"}});
  EXPECT_EQ(check_expectations(s, h).valid, Validity::invalid);
  const auto left_out = check_expectations(s, h, false);
  EXPECT_EQ(left_out.valid, Validity::not_exercised);
  EXPECT_NE(left_out.evidence[0]["why"].get<std::string>().find("keep the first copy"), std::string::npos);
}

TEST(Combine, NotExercisedIsNeutralAndNothingJudgedIsNotAPass) {
  const CheckResult pass{"a", Validity::valid, {}};
  const CheckResult idle{"b", Validity::not_exercised, {}};
  const CheckResult unsure{"c", Validity::unknown, {}};
  const CheckResult fail{"d", Validity::invalid, {}};
  EXPECT_EQ(combine({pass, idle}), Validity::valid);
  EXPECT_EQ(combine({idle, idle}), Validity::not_exercised);
  EXPECT_EQ(combine({idle, unsure, pass}), Validity::unknown);
  EXPECT_EQ(combine({fail, unsure, idle}), Validity::invalid);
  EXPECT_EQ(combine({}), Validity::unknown);
  EXPECT_EQ(to_json(Validity::not_exercised), "not_exercised");
  EXPECT_EQ(verdict_label(Validity::not_exercised), "NOT EXERCISED");
}

}  // namespace
}  // namespace radloop::harness
