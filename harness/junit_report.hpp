// The JUnit XML report of a run of scenarios, for CI systems: one test case per scenario.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace radloop::harness {

// runs: reports as to_json(const RunReport&) writes them. A failed run is a <failure> naming each
// failed check with its evidence; a run that could not decide, or judged nothing, is a <failure>
// of type "unknown" or "not_exercised" naming those checks: never a pass, never a <skipped>
// (which dashboards show as green). A test case's classname is "radloop.<the scenario's folder>", or
// "radloop.<suite_name>" for a scenario without one.
std::string junit_xml(const std::vector<nlohmann::json>& runs, const std::string& suite_name);

}  // namespace radloop::harness
