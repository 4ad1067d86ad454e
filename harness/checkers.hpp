// Checkers read a history and the system's final state and give a verdict with evidence.
// A checker that could not observe says unknown, never true; one that had nothing to judge in
// this run says not_exercised, never true. Combining: false > unknown > true; not_exercised is
// neutral, and a run where nothing at all was judged is not_exercised, not a pass.
#pragma once

#include <chrono>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "harness/history.hpp"
#include "harness/scenario.hpp"
#include "harness/system_under_test.hpp"
#include "simulators/ehr/ehr.hpp"

namespace radloop::harness {

enum class Validity { valid, invalid, unknown, not_exercised };
std::string_view to_string(Validity v);
nlohmann::json to_json(Validity v);  // true, false, "unknown" or "not_exercised"
// The verdict a person reads: PASS, FAIL, UNKNOWN, NOT EXERCISED.
std::string_view verdict_label(Validity v);
// The worse of two verdicts (false > unknown > true; not_exercised gives way to any other).
Validity worse(Validity a, Validity b);
inline void worsen(Validity& verdict, Validity v) { verdict = worse(verdict, v); }

struct CheckResult {
  std::string name;
  Validity valid = Validity::unknown;
  nlohmann::json evidence;
};

Validity combine(const std::vector<CheckResult>& results);

// Every step's completion shows what its `expect` asked for.
CheckResult check_expectations(const Scenario& scenario, const History& history);
// Every HL7 message ACKed AA/CA is in the system's durable inbound log.
CheckResult check_no_silent_loss(const History& history, SystemUnderTest& system);
// A message sent twice is kept once: the log holds exactly the distinct accepted messages.
CheckResult check_idempotence(const History& history, SystemUnderTest& system);

// No study is linked (or filed) under a patient other than its ground truth.
CheckResult check_no_wrong_patient(const History& history, SystemUnderTest& system);
// Every study with accepted instances is kept whole and is linked to its true order or held
// (review, pending) with a reason.
CheckResult check_everything_lands(const History& history, SystemUnderTest& system);

// What the simulated EHR filed, read again until it holds what is owed or patience runs out;
// no chart: the EHR was not a simulator of ours, and the check is unknown.
struct ChartView {
  std::function<std::vector<ehr::ChartEntry>()> chart;
  std::chrono::milliseconds patience{10'000};
};
// Every report the system accepted (each status and addendum) reached the EHR, answered AA.
CheckResult check_reports_reach_chart(const History& history, const ChartView& view);

// All of the above, in order, each guarded so that a checker that throws gives unknown.
std::vector<CheckResult> run_checkers(const Scenario& scenario, const History& history, SystemUnderTest& system,
                                      const ChartView& chart = {});

}  // namespace radloop::harness
