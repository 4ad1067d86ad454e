// Reading scenario YAML into the scenario model, with errors that name the step and key.
#include "harness/scenario.hpp"

#include <yaml-cpp/yaml.h>

#include <fstream>
#include <set>
#include <sstream>

namespace radloop::harness {
namespace {

Error invalid(const std::filesystem::path& origin, const std::string& where, const std::string& detail) {
  const auto prefix = origin.empty() ? std::string() : origin.string() + ": ";
  return Error{Errc::scenario_invalid, prefix + where, detail};
}

// Scalar at node[key], or fallback when absent.
std::string scalar(const YAML::Node& node, const char* key, const std::string& fallback = {}) {
  const auto value = node[key];
  return value && value.IsScalar() ? value.as<std::string>() : fallback;
}

// YAML block text uses \n; HL7 segments are separated by \r.
std::string to_er7(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n') continue;
    out += text[i] == '\n' ? '\r' : text[i];
  }
  return out;
}

Result<Step> parse_step(const YAML::Node& node, std::size_t index, const std::filesystem::path& origin) {
  const auto where = "steps[" + std::to_string(index) + "]";
  if (!node.IsMap()) return invalid(origin, where, "a step must be a mapping");
  Step step;
  step.name = scalar(node, "name", where);
  static const std::set<std::string> known{"name", "dicom_echo", "hl7_send", "expect"};
  for (const auto& entry : node) {
    const auto key = entry.first.as<std::string>();
    if (!known.contains(key)) return invalid(origin, where, "unknown key \"" + key + "\"");
  }
  if (node["dicom_echo"]) {
    const auto echo = node["dicom_echo"];
    DicomEcho action;
    if (echo.IsMap()) {
      action.calling_ae = scalar(echo, "calling_ae", action.calling_ae);
      action.called_ae = scalar(echo, "called_ae");
    }
    step.action = action;
  } else if (node["hl7_send"]) {
    const auto send = node["hl7_send"];
    const auto message = send.IsMap() ? scalar(send, "message") : std::string();
    if (message.empty()) return invalid(origin, where + ".hl7_send", "\"message\" is required");
    step.action = Hl7Send{to_er7(message)};
  } else {
    return invalid(origin, where, "a step needs an action: dicom_echo or hl7_send");
  }
  if (const auto expect = node["expect"]) {
    if (!expect.IsMap()) return invalid(origin, where + ".expect", "must be a mapping");
    for (const auto& entry : expect) step.expect[entry.first.as<std::string>()] = entry.second.as<std::string>();
  }
  return step;
}

}  // namespace

Result<Scenario> parse_scenario(const std::string& yaml_text, const std::filesystem::path& origin) {
  YAML::Node root;
  try {
    root = YAML::Load(yaml_text);
  } catch (const YAML::Exception& e) {
    return invalid(origin, "line " + std::to_string(e.mark.line + 1), e.msg);
  }
  if (!root.IsMap())
    return invalid(origin, "top level", "a scenario is a mapping with at least \"scenario\" and \"steps\"");
  Scenario scenario;
  scenario.origin = origin;
  try {
    scenario.name = scalar(root, "scenario");
    scenario.description = scalar(root, "description");
    scenario.system = scalar(root, "system", scenario.system);
    if (root["seed"]) scenario.seed = root["seed"].as<std::uint64_t>();
  } catch (const YAML::Exception& e) {
    return invalid(origin, "line " + std::to_string(e.mark.line + 1), e.msg);
  }
  if (scenario.name.empty()) return invalid(origin, "scenario", "the scenario needs a name");
  if (scenario.system != "reference") {
    return invalid(origin, "system", "\"" + scenario.system + "\" is not a known system (known: reference)");
  }
  const auto steps = root["steps"];
  if (!steps || !steps.IsSequence() || steps.size() == 0)
    return invalid(origin, "steps", "a non-empty list is required");
  for (std::size_t i = 0; i < steps.size(); ++i) {
    try {
      auto step = parse_step(steps[i], i, origin);
      if (!step) return step.error();
      scenario.steps.push_back(std::move(step).value());
    } catch (const YAML::Exception& e) {
      return invalid(origin, "steps[" + std::to_string(i) + "]", e.msg);
    }
  }
  return scenario;
}

Result<Scenario> load_scenario(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) return Error{Errc::scenario_invalid, path.string(), "cannot open the file"};
  std::stringstream text;
  text << in.rdbuf();
  return parse_scenario(text.str(), path);
}

std::string_view action_name(const Action& action) {
  return std::holds_alternative<DicomEcho>(action) ? "dicom_echo" : "hl7_send";
}

}  // namespace radloop::harness
