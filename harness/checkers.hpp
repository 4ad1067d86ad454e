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

// Every step's completion shows what its `expect` asked for (without one: that it succeeded).
// With judge_policy false, a step marked policy: is not exercised, its choice named.
CheckResult check_expectations(const Scenario& scenario, const History& history, bool judge_policy = true);
// Every HL7 message ACKed AA/CA is in the system's durable inbound log.
CheckResult check_no_silent_loss(const History& history, SystemUnderTest& system);

// No study is linked (or filed) under a patient other than its ground truth.
CheckResult check_no_wrong_patient(const History& history, SystemUnderTest& system);
// Every study with accepted instances is kept whole and is linked to its true order or held
// (review, pending) with a reason.
CheckResult check_everything_lands(const History& history, SystemUnderTest& system);

// A new order (ORC-1 NW) as the system forwarded it to the simulated RIS.
struct ForwardedOrder {
  std::string placer;
  std::string control_id;  // MSH-10 of the forwarded message: a retry under it is the same one
};

// What the simulated EHR and RIS themselves received, read again until it holds what is owed or
// patience runs out. A function left empty: that peer was not a simulator of this run, and what
// only it could show is unknown.
struct PeerRecords {
  std::function<std::vector<ehr::ChartEntry>()> chart;
  std::function<std::vector<ForwardedOrder>()> orders_at_ris;
  std::chrono::milliseconds patience{10'000};
};
// Every report the system accepted (each status and addendum) reached the EHR's chart under its
// true patient with the text signed and a status the RIS sent; an orphan report reached none.
// With a system that publishes FHIR, each order's last report is also published there, on its
// true patient, with a status for what was signed and the text signed.
CheckResult check_reports_reach_chart(const History& history, const PeerRecords& peers,
                                      SystemUnderTest* system = nullptr);

// A duplicate creates no duplicate effect, judged on the effects (idempotence.cpp): each report
// charted once however often it was resent, each order forwarded to the RIS once, each instance
// counted once in the system's queries.
CheckResult check_idempotence(const History& history, SystemUnderTest& system, const PeerRecords& peers);

// All of the above, in order, each guarded so that a checker that throws gives unknown.
std::vector<CheckResult> run_checkers(const Scenario& scenario, const History& history, SystemUnderTest& system,
                                      const PeerRecords& peers = {}, bool judge_policy = true);

}  // namespace radloop::harness
