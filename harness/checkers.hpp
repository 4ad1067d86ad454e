// Checkers read a history and the system's final state and give a verdict with evidence.
// A checker that could not observe says unknown, never true. Combining: false > unknown > true.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "harness/history.hpp"
#include "harness/scenario.hpp"
#include "harness/system_under_test.hpp"

namespace radloop::harness {

enum class Validity { valid, invalid, unknown };
std::string_view to_string(Validity v);
nlohmann::json to_json(Validity v);  // true, false or "unknown"

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

// All of the above, in order, each guarded so that a checker that throws gives unknown.
std::vector<CheckResult> run_checkers(const Scenario& scenario, const History& history, SystemUnderTest& system);

}  // namespace radloop::harness
