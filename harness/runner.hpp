// Runs a scenario's steps against a system under test, records the history, runs the checkers.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "harness/actors.hpp"
#include "harness/checkers.hpp"
#include "harness/endpoints.hpp"
#include "harness/history.hpp"
#include "harness/id_namespace.hpp"
#include "harness/scenario.hpp"
#include "harness/system_under_test.hpp"

namespace radloop::harness {

struct RunOptions {
  std::chrono::milliseconds reply_timeout{10'000};
  // Called after each step completes, for progress output: (step index, completion).
  std::function<void(std::size_t, const Operation&)> on_step;
  // Defects to switch on in the reference pipeline (pipeline/sabotage.hpp names), to show that
  // the scenario catches them.
  std::vector<std::string> sabotage;
  // When set, no step waits longer than this for something to happen (a study to settle, a
  // report to be charted), whatever the scenario allows: for runs expected to fail.
  std::optional<std::chrono::milliseconds> wait_cap;
  // A system radloop did not start (an endpoints file); none: the in-process reference pipeline.
  std::optional<SutEndpoints> sut;
  // Identifiers renamed into this namespace before the run (id_namespace.hpp): for systems that
  // keep what earlier runs sent them.
  std::optional<IdNamespace> id_namespace;
  // False: the expectations of steps marked policy: are not judged (not exercised, with why), for
  // profiles that certify only what the standards require.
  bool judge_policy_steps = true;
};

struct RunReport {
  Scenario scenario;
  std::vector<std::string> sabotage;      // the defects the reference ran with (--break)
  std::string system_name = "reference";  // the in-process reference, or the endpoints file's name
  Endpoints endpoints;
  std::vector<Operation> history;
  std::vector<CheckResult> checks;
  Validity verdict = Validity::unknown;
  std::chrono::milliseconds duration{0};
  std::vector<std::string> notes;  // what a reader must know to weigh the verdict
};

RunReport run_scenario(const Scenario& scenario, SystemUnderTest& system, const RunOptions& options = {});
// With the simulated EHR and RIS that the system routes to (null: actor steps are unknown).
RunReport run_scenario(const Scenario& scenario, SystemUnderTest& system, Actors* actors, const RunOptions& options);

// Starts the system the scenario names, runs it, stops it. Fails only if the system cannot start.
// The report's scenario is the one that ran: in its namespace when the options name one.
Result<RunReport> run_scenario(const Scenario& scenario, const RunOptions& options = {});

}  // namespace radloop::harness
