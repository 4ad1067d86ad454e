#include "harness/scenario.hpp"

#include <gtest/gtest.h>

namespace radloop::harness {
namespace {

TEST(Scenario, LoadsTheBundledSmokeScenario) {
  auto s = load_scenario(std::string(RADLOOP_SOURCE_DIR) + "/scenarios/smoke.yaml");
  ASSERT_TRUE(s.ok()) << s.error().message();
  EXPECT_EQ(s->name, "smoke");
  EXPECT_EQ(s->system, "reference");
  ASSERT_GE(s->steps.size(), 2U);
  EXPECT_TRUE(std::holds_alternative<DicomEcho>(s->steps[0].action));
  EXPECT_EQ(s->steps[0].expect.at("status"), "success");
}

TEST(Scenario, TurnsMessageLinesIntoSegmentsSeparatedByCarriageReturn) {
  auto s = parse_scenario(R"(
scenario: t
steps:
  - hl7_send:
      message: |
        MSH|^~\&|A|B|C|D|||ADT^A01|1|P|2.5
        PID|1
)");
  ASSERT_TRUE(s.ok()) << s.error().message();
  EXPECT_EQ(std::get<Hl7Send>(s->steps[0].action).message, "MSH|^~\\&|A|B|C|D|||ADT^A01|1|P|2.5\rPID|1");
  EXPECT_EQ(s->steps[0].name, "steps[0]");  // unnamed steps are named by position
}

TEST(Scenario, DefaultsTheEchoCalledAeToTheSystemsOwn) {
  auto s = parse_scenario("scenario: t\nsteps:\n  - dicom_echo: {}\n");
  ASSERT_TRUE(s.ok()) << s.error().message();
  EXPECT_TRUE(std::get<DicomEcho>(s->steps[0].action).called_ae.empty());
}

struct BadScenario {
  const char* name;
  const char* yaml;
  const char* where;  // a fragment the error's location must contain
};
void PrintTo(const BadScenario& bad, std::ostream* os) { *os << bad.name; }

class ScenarioErrors : public ::testing::TestWithParam<BadScenario> {};

TEST_P(ScenarioErrors, NameWhereTheProblemIs) {
  auto s = parse_scenario(GetParam().yaml, "bad.yaml");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, Errc::scenario_invalid);
  EXPECT_NE(s.error().where.find(GetParam().where), std::string::npos) << s.error().message();
  EXPECT_NE(s.error().where.find("bad.yaml"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(
    Scenario, ScenarioErrors,
    ::testing::Values(BadScenario{"UnclosedFlowSequence", "scenario: [unclosed", "line"},
                      BadScenario{"TopLevelList", "- just a list", "top level"},
                      BadScenario{"NoName", "steps: [{dicom_echo: {}}]", "scenario"},
                      BadScenario{"NoSteps", "scenario: t\nsteps: []", "steps"},
                      BadScenario{"StepWithoutAction", "scenario: t\nsteps: [{name: x}]", "steps[0]"},
                      BadScenario{"UnknownStepKey", "scenario: t\nsteps: [{dicom_echo: {}, colour: red}]", "steps[0]"},
                      BadScenario{"Hl7SendWithoutMessage", "scenario: t\nsteps: [{hl7_send: {}}]", "steps[0].hl7_send"},
                      BadScenario{"UnknownSystem", "scenario: t\nsystem: mars\nsteps: [{dicom_echo: {}}]", "system"},
                      BadScenario{"SeedNotANumber", "scenario: t\nseed: many\nsteps: [{dicom_echo: {}}]", "line"},
                      BadScenario{"ExpectNotAMapping", "scenario: t\nsteps: [{dicom_echo: {}, expect: [1]}]",
                                  "steps[0].expect"}),
    [](const ::testing::TestParamInfo<BadScenario>& param) { return std::string(param.param.name); });

TEST(Scenario, ReadsActorSteps) {
  const auto s = parse_scenario(R"(
scenario: actors
steps:
  - name: a
    ehr.register: {mrn: M1, family: DOE}
  - name: b
    ehr.merge: {mrn: M1, merge_from: M0}
  - name: c
    ehr.order: {placer: P1, mrn: M1, control: XO, modality: MR}
  - name: d
    ris.accessioned: {placer: P1, within: 2.5}
  - name: e
    ris.report: {placer: P1, status: C, text: "Corrected.", addendum: true, zds: true}
  - name: f
    ehr.chart: {placer: P1, status: C}
)")
                     .value();
  ASSERT_EQ(s.steps.size(), 6U);
  EXPECT_EQ(std::get<EhrAdt>(s.steps[0].action).trigger, "A04");
  EXPECT_EQ(std::get<EhrAdt>(s.steps[1].action).merge_from, "M0");
  EXPECT_EQ(std::get<EhrOrder>(s.steps[2].action).control, "XO");
  EXPECT_EQ(std::get<RisAccessioned>(s.steps[3].action).within, std::chrono::milliseconds(2500));
  EXPECT_TRUE(std::get<RisReport>(s.steps[4].action).addendum);
  EXPECT_EQ(action_name(s.steps[5].action), "ehr.chart");
}

TEST(Scenario, RefusesBadActorStepsWithTheKeyAndASentence) {
  const auto refused = [](const std::string& step) {
    auto r = parse_scenario("scenario: bad\nsteps:\n  - name: x\n    " + step + "\n", "bad.yaml");
    EXPECT_FALSE(r.ok()) << step;
    return r.ok() ? std::string() : r.error().where + ": " + r.error().detail;
  };
  EXPECT_NE(refused("ehr.order: {placer: P1, mrn: M1, colour: red}").find("ehr.order.colour"), std::string::npos);
  EXPECT_NE(refused("ehr.order: {mrn: M1}").find("placer"), std::string::npos);
  EXPECT_NE(refused("ehr.order: {placer: P1, mrn: M1, control: ZZ}").find("NW, XO, CA"), std::string::npos);
  EXPECT_NE(refused("ehr.register: {family: DOE}").find("mrn"), std::string::npos);
  EXPECT_NE(refused("ehr.merge: {mrn: M1}").find("merge_from"), std::string::npos);
  EXPECT_NE(refused("ris.report: {placer: P1, status: X, text: t}").find("P, F, C"), std::string::npos);
  EXPECT_NE(refused("ris.report: {placer: P1}").find("text"), std::string::npos);
  EXPECT_NE(refused("ehr.chart: {status: F}").find("placer"), std::string::npos);
  EXPECT_NE(refused("ehr.order: [1, 2]").find("mapping"), std::string::npos);
}

TEST(Scenario, ReportsAMissingFile) {
  auto s = load_scenario("/no/such/scenario.yaml");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message().find("cannot open"), std::string::npos);
}

}  // namespace
}  // namespace radloop::harness
