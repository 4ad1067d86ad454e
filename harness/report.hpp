// A run's report: the JSON document written to disk and the summary printed for a person.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "harness/runner.hpp"

namespace radloop::harness {

nlohmann::json to_json(const RunReport& report);
// One line for a person: "ack AA for SMOKE0001", "status rejected: Called AE Title Not Recognized".
std::string describe_completion(const nlohmann::json& value);
std::string summary(const RunReport& report);
Result<void> write_report(const RunReport& report, const std::filesystem::path& path);

}  // namespace radloop::harness
