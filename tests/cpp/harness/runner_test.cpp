// The runner against the in-process reference pipeline: a real run, real sockets.
#include "harness/runner.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "harness/report.hpp"

namespace radloop::harness {
namespace {

TEST(Runner, RunsTheSmokeScenarioToAValidVerdict) {
  auto scenario = load_scenario(std::string(RADLOOP_SOURCE_DIR) + "/scenarios/happy/smoke.yaml").value();
  std::size_t progress_calls = 0;
  RunOptions options;
  options.on_step = [&](std::size_t, const Operation&) { ++progress_calls; };
  auto report = run_scenario(scenario, options);
  ASSERT_TRUE(report.ok()) << report.error().message();
  EXPECT_EQ(report->verdict, Validity::valid) << summary(report.value());
  EXPECT_EQ(progress_calls, scenario.steps.size());
  // One invoke and one completion each, and the simulated RIS accessioning the order the EHR placed.
  ASSERT_EQ(report->history.size(), 2 * scenario.steps.size() + 2);
  EXPECT_EQ(report->history.back().process, "RIS accessions order PLC1001");
  EXPECT_EQ(report->history.back().value.value("ack", ""), "AA");
  EXPECT_NE(report->endpoints.mllp_port, 0);
}

TEST(Runner, TheSimulatedEhrAndRisCarryAnOrderToTheChart) {
  auto scenario = load_scenario(std::string(RADLOOP_SOURCE_DIR) + "/scenarios/reports/order_to_chart.yaml").value();
  auto report = run_scenario(scenario, {});
  ASSERT_TRUE(report.ok()) << report.error().message();
  EXPECT_EQ(report->verdict, Validity::valid) << summary(report.value());
  const auto& accessioned = report->history.at(5);  // the completion of "RIS accessions ..."
  EXPECT_EQ(accessioned.value.value("accession", ""), "ACC1000");
}

TEST(Runner, AReportThatNeverArrivesFailsTheChartStep) {
  auto scenario = parse_scenario(R"(
scenario: missing-report
seed: 3
steps:
  - name: EHR orders
    ehr.order: {placer: P1, mrn: MRN1}
  - name: RIS accessions
    ris.accessioned: {placer: P1}
  - name: a corrected report that was never signed
    ehr.chart: {placer: P1, status: C, within: 0.5}
    expect: {found: true}
)")
                      .value();
  auto report = run_scenario(scenario, {});
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->verdict, Validity::invalid);
  const auto text = summary(report.value());
  EXPECT_NE(text.find("no C report for order P1 reached the EHR"), std::string::npos) << text;
}

// A small day: every study lands, and the step reports throughput and time-to-land figures.
TEST(Runner, ALoadDayMeasuresWhatItRan) {
  auto scenario = parse_scenario(R"(
scenario: small-day
seed: 5
actors:
  modalities:
    CT_A: {modality: CT}
    US_A: {modality: US}
steps:
  - name: a short day
    load.day: {studies: 6, modalities: [CT_A, US_A], instances: 1}
    expect: {linked: "6", charted: "6"}
)")
                      .value();
  auto report = run_scenario(scenario, {});
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->verdict, Validity::valid) << summary(report.value());
  const auto day = *std::find_if(report->history.begin(), report->history.end(),
                                 [](const Operation& op) { return op.f == "load.day" && op.type != OpType::invoke; });
  EXPECT_EQ(day.value["hl7_messages_in"], 24);  // per study: A04, ORM, the RIS's ORM, ORU
  EXPECT_EQ(day.value["time_to_linked"]["n"], 6);
  EXPECT_GT(day.value["time_to_delivered"]["p99_ms"].get<double>(), 0.0);
  EXPECT_GE(day.value["time_to_linked"]["p99_ms"].get<double>(), day.value["time_to_linked"]["p50_ms"].get<double>());
}

TEST(Runner, ActorStepsWithoutSimulatorsAreUnknownNotPassed) {
  auto scenario = parse_scenario(R"(
scenario: no-actors
steps:
  - name: EHR orders
    ehr.order: {placer: P1, mrn: MRN1}
    expect: {ack: AA}
)")
                      .value();
  auto system = start_reference_system().value();
  const auto report = run_scenario(scenario, *system, nullptr, {});
  EXPECT_EQ(report.verdict, Validity::unknown) << summary(report);
}

TEST(Runner, AFailedExpectationMakesTheVerdictInvalid) {
  auto scenario = parse_scenario(R"(
scenario: wrong-expectation
steps:
  - name: echo on a wrong AE title expecting success
    dicom_echo: {called_ae: NOBODY}
    expect: {status: success}
)")
                      .value();
  auto report = run_scenario(scenario).value();
  EXPECT_EQ(report.verdict, Validity::invalid);
  EXPECT_EQ(report.history.back().type, OpType::fail);
  EXPECT_EQ(report.history.back().value["status"], "rejected");
  const auto json = to_json(report);
  EXPECT_EQ(json["valid"], false);
  EXPECT_EQ(json["checks"][0]["name"], "expectations");
}

}  // namespace
}  // namespace radloop::harness
