// The scenario model: a YAML file of steps and their expectations, read into plain records.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <variant>
#include <vector>

#include "reference/core/result.hpp"

namespace radloop::harness {

// C-ECHO against the system's DICOM service. Empty called_ae means "the system's own AE title".
struct DicomEcho {
  std::string calling_ae = "RADLOOP_SCU";
  std::string called_ae;
};

// One HL7 message over MLLP. Segments are written one per line; they go out separated by <CR>.
struct Hl7Send {
  std::string message;
};

using Action = std::variant<DicomEcho, Hl7Send>;

struct Step {
  std::string name;
  Action action;
  // What the step's completion must show: {status: success|rejected|...} or {ack: AA|AE|AR}.
  std::map<std::string, std::string> expect;
};

struct Scenario {
  std::string name;
  std::string description;
  std::uint64_t seed = 0;
  std::string system = "reference";  // which system under test; only the in-process reference so far
  std::vector<Step> steps;
  std::filesystem::path origin;  // the file it came from, for messages
};

Result<Scenario> parse_scenario(const std::string& yaml_text, const std::filesystem::path& origin = {});
Result<Scenario> load_scenario(const std::filesystem::path& path);

std::string_view action_name(const Action& action);

}  // namespace radloop::harness
