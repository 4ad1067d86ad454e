// The step parsers behind parse_scenario.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "harness/internal/scenario_yaml.hpp"
#include "harness/scenario.hpp"

namespace radloop::harness {

// What steps may refer to: the scenario's modality actors and the links it declared.
struct StepContext {
  std::set<std::string> modalities;
  std::set<std::string> links;
};

Step parse_step(const yaml::Reader& reader, const YAML::Node& node, std::size_t index, const StepContext& context);

// Every action key, sorted.
std::vector<std::string> step_actions();

// Why an ehr.acks / ris.acks answer is not one (hl7sim::parse_ack_behaviour), or nothing.
std::optional<std::string> ack_answer_problem(const std::string& answer);

}  // namespace radloop::harness
