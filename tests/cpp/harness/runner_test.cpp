// The runner against the in-process reference pipeline: a real run, real sockets.
#include "harness/runner.hpp"

#include <gtest/gtest.h>

#include "harness/report.hpp"

namespace radloop::harness {
namespace {

TEST(Runner, RunsTheSmokeScenarioToAValidVerdict) {
  auto scenario = load_scenario(std::string(RADLOOP_SOURCE_DIR) + "/scenarios/smoke.yaml").value();
  std::size_t progress_calls = 0;
  RunOptions options;
  options.on_step = [&](std::size_t, const Operation&) { ++progress_calls; };
  auto report = run_scenario(scenario, options);
  ASSERT_TRUE(report.ok()) << report.error().message();
  EXPECT_EQ(report->verdict, Validity::valid) << summary(report.value());
  EXPECT_EQ(progress_calls, scenario.steps.size());
  EXPECT_EQ(report->history.size(), 2 * scenario.steps.size());  // one invoke, one completion each
  EXPECT_NE(report->endpoints.mllp_port, 0);
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
