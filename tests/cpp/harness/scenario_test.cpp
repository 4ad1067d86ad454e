#include "harness/scenario.hpp"

#include <gtest/gtest.h>

namespace radloop::harness {
namespace {

TEST(Scenario, LoadsTheBundledSmokeScenario) {
  auto s = load_scenario(std::string(RADLOOP_SOURCE_DIR) + "/scenarios/happy/smoke.yaml");
  ASSERT_TRUE(s.ok()) << s.error().message();
  EXPECT_EQ(s->name, "smoke");
  EXPECT_EQ(s->system, "reference");
  ASSERT_GE(s->steps.size(), 2U);
  EXPECT_TRUE(std::holds_alternative<DicomEcho>(s->steps[0].action));
  EXPECT_EQ(s->steps[0].expect.at("status").text(), "success");
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

TEST(Scenario, ReadsLinkFaultsWithTheirParameters) {
  auto s = parse_scenario(R"(
scenario: t
links: [system_to_ehr, modalities_to_system]
steps:
  - link.fault: {link: system_to_ehr, name: cut, type: reset, after_bytes: 60}
  - link.fault: {link: modalities_to_system, type: delay, direction: replies, ms: 80, jitter_ms: 5}
  - link.clear: {link: system_to_ehr, name: cut}
  - link.down: {link: system_to_ehr}
  - link.up: {link: system_to_ehr}
)");
  ASSERT_TRUE(s.ok()) << s.error().message();
  EXPECT_EQ(s->links, (std::vector<std::string>{"system_to_ehr", "modalities_to_system"}));
  const auto& cut = std::get<LinkFault>(s->steps[0].action);
  EXPECT_EQ(cut.name, "cut");
  EXPECT_EQ(cut.direction, "messages");
  EXPECT_EQ(cut.params, (std::map<std::string, std::string>{{"after_bytes", "60"}}));
  const auto& delay = std::get<LinkFault>(s->steps[1].action);
  EXPECT_EQ(delay.name, "delay");  // named after its type
  EXPECT_EQ(delay.direction, "replies");
  EXPECT_EQ(delay.params.size(), 2U);
  EXPECT_EQ(std::get<LinkClear>(s->steps[2].action).name, "cut");
  EXPECT_EQ(action_name(s->steps[3].action), "link.down");
  EXPECT_EQ(action_name(s->steps[4].action), "link.up");
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
    ::testing::Values(
        BadScenario{"UnclosedFlowSequence", "scenario: [unclosed", "bad.yaml:1"},
        BadScenario{"TopLevelList", "- just a list", "top level"},
        BadScenario{"NoName", "steps: [{dicom_echo: {}}]", "scenario"},
        BadScenario{"NoSteps", "scenario: t\nsteps: []", "steps"},
        BadScenario{"UnknownLink", "scenario: t\nlinks: [ehr_to_pacs]\nsteps: [{wait: 0}]", "links"},
        BadScenario{"UndeclaredLink",
                    "scenario: t\nsteps:\n  - link.fault: {link: ehr_to_system, type: slice, bytes: 1}",
                    "steps[0].link.fault.link"},
        BadScenario{"UnknownFaultType",
                    "scenario: t\nlinks: [ehr_to_system]\nsteps:\n  - link.fault: {link: ehr_to_system, type: lag}",
                    "bad.yaml:4: steps[0].link.fault"},
        BadScenario{"BadFaultParameter",
                    "scenario: t\nlinks: [ehr_to_system]\nsteps:\n  - link.fault: {link: ehr_to_system, type: slice, "
                    "bytes: x}",
                    "steps[0].link.fault"},
        BadScenario{"BadFaultDirection",
                    "scenario: t\nlinks: [ehr_to_system]\nsteps:\n  - link.fault: {link: ehr_to_system, type: slice, "
                    "bytes: 1, direction: sideways}",
                    "steps[0].link.fault.direction"},
        BadScenario{"StepWithoutAction", "scenario: t\nsteps: [{name: x}]", "steps[0]"},
        BadScenario{"UnknownStepKey", "scenario: t\nsteps: [{dicom_echo: {}, colour: red}]", "steps[0]"},
        BadScenario{"Hl7SendWithoutMessage", "scenario: t\nsteps: [{hl7_send: {}}]", "steps[0].hl7_send"},
        BadScenario{"UnknownSystem", "scenario: t\nsystem: mars\nsteps: [{dicom_echo: {}}]", "system"},
        BadScenario{"SeedNotANumber", "scenario: t\nseed: many\nsteps: [{dicom_echo: {}}]", "bad.yaml:2: seed"},
        BadScenario{"ExpectNotAMapping", "scenario: t\nsteps: [{dicom_echo: {}, expect: [1]}]", "steps[0].expect"}),
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

TEST(Scenario, ReadsActorsTeachingAndModalitySteps) {
  const auto s = parse_scenario(R"(
scenario: m
teaches: {failure: a digit slips, symptom: study unlinked, fix: use the worklist}
actors:
  ris: {study_uids: true}
  modalities:
    CT1: {modality: CT, ae_title: CT_SCANNER_1}
    US1: {modality: US, worklist: false}
steps:
  - modality.acquire: {modality: CT1, placer: P1, instances: 3, faults: [transpose_accession, abort_after=2]}
  - modality.acquire: {modality: US1, worklist: false, mrn: M2, accession: A9, study: S2}
  - sut.study: {study: P1, within: 2}
    expect: {state: review, reason: accession_near_miss}
  - wait: 0.5
  - ehr.acks: {next: [AE, none, "AA@1500"], then: AA}
  - ehr.down:
  - ris.report: {placer: P1, text: x, as: sr}
)",
                                "m.yaml");
  ASSERT_TRUE(s.ok()) << s.error().message();
  EXPECT_EQ(s->teaches.fix, "use the worklist");
  EXPECT_TRUE(s->ris_study_uids);
  ASSERT_EQ(s->modalities.size(), 2U);
  EXPECT_EQ(s->modalities[0].ae_title, "CT_SCANNER_1");
  EXPECT_EQ(s->modalities[1].ae_title, "US1");  // the name, when none is given
  const auto& a = std::get<ModalityAcquire>(s->steps[0].action);
  EXPECT_EQ(a.instances, 3U);
  EXPECT_EQ(a.study, "P1");  // the placer names the study unless a label is given
  EXPECT_EQ(a.faults.size(), 2U);
  EXPECT_EQ(std::get<ModalityAcquire>(s->steps[1].action).patient.mrn, "M2");
  EXPECT_EQ(std::get<Wait>(s->steps[3].action).duration, std::chrono::milliseconds(500));
  EXPECT_EQ(std::get<Acks>(s->steps[4].action).next.size(), 3U);
  EXPECT_EQ(std::get<RisReport>(s->steps[6].action).form, "sr");
  EXPECT_EQ(s->steps[2].line, 12);  // the text starts with a newline
}

TEST(Scenario, NamesFileAndLineOfABadValue) {
  const auto refused = [](const std::string& text) {
    auto r = parse_scenario(text, "f.yaml");
    EXPECT_FALSE(r.ok()) << text;
    return r.ok() ? std::string() : r.error().where + ": " + r.error().detail;
  };
  const std::string head = "scenario: t\nactors: {modalities: {CT1: {}}}\nsteps:\n";
  auto e = refused(head + "  - modality.acquire: {modality: MR9, placer: P1}\n");
  EXPECT_NE(e.find("f.yaml:4"), std::string::npos) << e;
  EXPECT_NE(e.find("no modality \"MR9\""), std::string::npos) << e;
  e = refused(head + "  - modality.acquire: {modality: CT1, placer: P1, faults: [melt]}\n");
  EXPECT_NE(e.find("faults"), std::string::npos) << e;
  e = refused(head + "  - modality.acquire: {modality: CT1}\n");
  EXPECT_NE(e.find("worklist: false"), std::string::npos) << e;
  e = refused(head + "  - ehr.acks: {next: [OK]}\n");
  EXPECT_NE(e.find("@<milliseconds>"), std::string::npos) << e;
  e = refused(head + "  - wait: soon\n");
  EXPECT_NE(e.find("seconds"), std::string::npos) << e;
  e = refused(head + "  - ehr.down: {}\n    ehr.up: {}\n");
  EXPECT_NE(e.find("one action"), std::string::npos) << e;
  e = refused("scenario: t\ncolour: red\nsteps: [{wait: 1}]\n");
  EXPECT_NE(e.find("f.yaml:2: colour"), std::string::npos) << e;
  e = refused("scenario: t\nactors: {modalities: {X: {modality: PET}}}\nsteps: [{wait: 1}]\n");
  EXPECT_NE(e.find("CT, MR"), std::string::npos) << e;
  e = refused("scenario: t\nteaches: {symptom: s}\nsteps: [{wait: 1}]\n");
  EXPECT_NE(e.find("teaches.failure"), std::string::npos) << e;
}

TEST(Scenario, ReportsAMissingFile) {
  auto s = load_scenario("/no/such/scenario.yaml");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message().find("cannot open"), std::string::npos);
}

}  // namespace
}  // namespace radloop::harness
