// The HTML report of a run of scenarios: one self-contained page with a summary, each scenario's
// checks and evidence, and a swimlane timeline of its operations.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace radloop::harness {

// The lane that every operation goes to or comes back from.
inline constexpr std::string_view kSutLane = "system under test";

// runs: reports as to_json(const RunReport&) writes them. The page needs nothing but itself: its
// style, script and data are inline, so it can be mailed or kept as a CI artifact.
std::string html_report(const std::vector<nlohmann::json>& runs, const std::string& title);

// What the page's timeline of one run is drawn from: its lanes, left to right (the actors in the
// order they first act, the system under test in the middle), and one event per history entry.
nlohmann::json timeline_data(const nlohmann::json& run);

}  // namespace radloop::harness
