#include "harness/id_namespace.hpp"

#include <gtest/gtest.h>

#include <set>

#include "harness/report.hpp"
#include "harness/runner.hpp"

namespace radloop::harness {
namespace {

IdNamespace ns(std::uint32_t number) {
  IdNamespace n;
  n.number = number;
  return n;
}

TEST(IdNamespace, SpellsItsNumberInFiveCapitalLetters) {
  EXPECT_EQ(ns(0).suffix(), "AAAAA");
  EXPECT_EQ(ns(1).suffix(), "AAAAB");
  EXPECT_EQ(ns(26).suffix(), "AAABA");
  EXPECT_EQ(ns(IdNamespace::kCount - 1).suffix(), "ZZZZZ");
  std::set<std::string> seen;
  for (std::uint32_t n = 0; n < 2000; ++n) seen.insert(ns(n * 5903).suffix());
  EXPECT_EQ(seen.size(), 2000U);
}

TEST(IdNamespace, RenamesTheIdentifiersOfALiteralMessageAndNothingElse) {
  const std::string message =
      "MSH|^~\\&|EHR|GH|RADLOOP|RAD|20260101120000||ORM^O01^ORM_O01|SMOKE0002|P|2.5.1\r"
      "PID|1|ALT7|MRN12345^^^GH^MR~SSN9^^^US^SS||DOE^JANE||19800101|F\r"
      "ORC|NW|PLC1001|FIL9\r"
      "OBR|1|PLC1001||71020^CHEST XRAY^C4||||||||||||||ACC1000\n"
      "MRG|OLD1^^^GH";
  EXPECT_EQ(hl7_in_namespace(message, "QX"),
            "MSH|^~\\&|EHR|GH|RADLOOP|RAD|20260101120000||ORM^O01^ORM_O01|SMOKE0002QX|P|2.5.1\r"
            "PID|1|ALT7QX|MRN12345QX^^^GH^MR~SSN9QX^^^US^SS||DOE^JANE||19800101|F\r"
            "ORC|NW|PLC1001QX|FIL9QX\r"
            "OBR|1|PLC1001QX||71020^CHEST XRAY^C4||||||||||||||ACC1000QX\n"
            "MRG|OLD1QX^^^GH");
}

TEST(IdNamespace, LeavesAPayloadThatIsNotHl7AsItIs) {
  EXPECT_EQ(hl7_in_namespace("hello, is this the lab?", "QX"), "hello, is this the lab?");
  EXPECT_EQ(hl7_in_namespace("MSH|", "QX"), "MSH|");
  EXPECT_EQ(hl7_in_namespace("", "QX"), "");
}

TEST(IdNamespace, RenamesTheScenarioAndWhatItExpectsAlike) {
  auto parsed = parse_scenario(R"(
scenario: t
seed: 7
actors:
  modalities:
    CT_1: {modality: CT, worklist: false}
steps:
  - ehr.register: {mrn: "0012345", family: DOE, given: JANE}
  - ehr.merge: {mrn: MRN1, merge_from: MRN2, family: DOE, given: JANE}
  - ehr.order: {placer: PL1, mrn: MRN1, family: DOE, given: JANE}
  - ris.accessioned: {placer: PL1}
  - modality.acquire: {modality: CT_1, worklist: false, mrn: MRN1, family: DOE, given: JANE, accession: ACC1000,
                       study: S1, faults: [transpose_accession, other_patient_id=MRN9]}
    expect: {status: success, sent_accession: ACC0100}
  - sut.study: {study: S1}
    expect: {state: linked, linked_accession: ACC1000, linked_patient_id: MRN1}
  - ris.report_unknown: {accession: ACC9, mrn: MRN1, text: x}
  - ehr.chart: {placer: PL1}
)");
  ASSERT_TRUE(parsed.ok()) << parsed.error().message();
  const auto s = in_namespace(parsed.value(), ns(1));
  EXPECT_EQ(s.id_suffix, "AAAAB");
  EXPECT_EQ(s.seed, 7U * IdNamespace::kCount + 1);
  EXPECT_EQ(std::get<EhrAdt>(s.steps[0].action).patient.mrn, "0012345AAAAB");  // leading zeros kept
  EXPECT_EQ(std::get<EhrAdt>(s.steps[1].action).merge_from, "MRN2AAAAB");
  EXPECT_EQ(std::get<EhrOrder>(s.steps[2].action).placer, "PL1AAAAB");
  EXPECT_EQ(std::get<RisAccessioned>(s.steps[3].action).placer, "PL1AAAAB");
  const auto& acquire = std::get<ModalityAcquire>(s.steps[4].action);
  EXPECT_EQ(acquire.accession, "ACC1000AAAAB");
  EXPECT_EQ(acquire.patient.mrn, "MRN1AAAAB");
  EXPECT_EQ(acquire.study, "S1");  // a label, not an identifier
  EXPECT_EQ(acquire.faults, (std::vector<std::string>{"transpose_accession", "other_patient_id=MRN9AAAAB"}));
  EXPECT_EQ(s.steps[4].expect.at("sent_accession").text(), "ACC0100AAAAB");
  EXPECT_EQ(s.steps[4].expect.at("status").text(), "success");
  EXPECT_EQ(s.steps[5].expect.at("linked_accession").text(), "ACC1000AAAAB");
  EXPECT_EQ(s.steps[5].expect.at("linked_patient_id").text(), "MRN1AAAAB");
  EXPECT_EQ(s.steps[5].expect.at("state").text(), "linked");
  EXPECT_EQ(std::get<RisUnknownReport>(s.steps[6].action).accession, "ACC9AAAAB");
  EXPECT_EQ(std::get<EhrChart>(s.steps[7].action).placer, "PL1AAAAB");
}

// The same file twice against one system: each run in its own namespace passes, and what the
// simulators made (accessions, control IDs, UIDs) differs between them.
TEST(IdNamespace, TwoRunsOfOneScenarioShareNoIdentifier) {
  auto scenario = load_scenario(std::string(RADLOOP_SOURCE_DIR) + "/scenarios/happy/ct_worklist.yaml");
  ASSERT_TRUE(scenario.ok()) << scenario.error().message();
  std::vector<RunReport> reports;
  for (const std::uint32_t n : {11U, 12U}) {
    RunOptions options;
    options.id_namespace = ns(n);
    auto report = run_scenario(scenario.value(), options);
    ASSERT_TRUE(report.ok()) << report.error().message();
    EXPECT_EQ(report->verdict, Validity::valid) << to_json(report.value()).dump(2);
    reports.push_back(std::move(report).value());
  }
  const auto uids_of = [](const RunReport& r) {
    std::set<std::string> values;
    for (const auto& op : r.history) {
      for (const char* key : {"study_uid", "control_id", "accession", "sent_accession"}) {
        if (op.value.contains(key) && op.value[key].is_string()) values.insert(op.value[key].get<std::string>());
      }
    }
    return values;
  };
  const auto first = uids_of(reports[0]);
  const auto second = uids_of(reports[1]);
  ASSERT_FALSE(first.empty());
  for (const auto& value : first) EXPECT_EQ(second.count(value), 0U) << value << " appears in both runs";
}

}  // namespace
}  // namespace radloop::harness
