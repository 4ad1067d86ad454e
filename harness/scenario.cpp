// Reading scenario YAML into the scenario model, with errors that name the step and key.
#include "harness/scenario.hpp"

#include <yaml-cpp/yaml.h>

#include <array>
#include <fstream>
#include <optional>
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

// Only these keys, each with a scalar value; the error names the first other one.
Result<void> known_keys(const YAML::Node& node, const std::set<std::string>& keys, const std::filesystem::path& origin,
                        const std::string& where) {
  if (!node.IsMap()) return invalid(origin, where, "must be a mapping");
  for (const auto& entry : node) {
    const auto key = entry.first.as<std::string>();
    if (!keys.contains(key)) {
      std::string known;
      for (const auto& k : keys) {
        if (!known.empty()) known += ", ";
        known += k;
      }
      std::string path = where;
      path += '.';
      path += key;
      return invalid(origin, path, "unknown key (known: " + known + ")");
    }
    if (!entry.second.IsScalar()) {
      std::string path = where;
      path += '.';
      path += key;
      return invalid(origin, path, "must be a single value");
    }
  }
  return {};
}

std::chrono::milliseconds seconds_at(const YAML::Node& node, const char* key, std::chrono::milliseconds fallback) {
  const auto value = node[key];
  return value ? std::chrono::milliseconds(static_cast<long>(value.as<double>() * 1000)) : fallback;
}

bool flag(const YAML::Node& node, const char* key) { return node[key] && node[key].as<bool>(); }

Result<PatientSpec> patient_spec(const YAML::Node& node, const std::filesystem::path& origin,
                                 const std::string& where) {
  PatientSpec p;
  p.mrn = scalar(node, "mrn");
  p.issuer = scalar(node, "issuer", p.issuer);
  p.family = scalar(node, "family");
  p.given = scalar(node, "given");
  p.birth_date = scalar(node, "birth_date");
  p.sex = scalar(node, "sex");
  if (p.mrn.empty()) return invalid(origin, where + ".mrn", "the patient's MRN is required");
  return p;
}

// The actor steps (ehr.*, ris.*); nullopt when the step has none of them.
Result<std::optional<Action>> parse_actor_step(const YAML::Node& node, const std::filesystem::path& origin,
                                               const std::string& where) {
  static const std::set<std::string> patient_keys{"mrn", "issuer", "family", "given", "birth_date", "sex"};
  for (const auto* adt : {"ehr.register", "ehr.update", "ehr.merge"}) {
    const auto body = node[adt];
    if (!body) continue;
    auto keys = patient_keys;
    keys.insert("merge_from");
    if (auto r = known_keys(body, keys, origin, where + "." + adt); !r) return r.error();
    auto patient = patient_spec(body, origin, where + "." + adt);
    if (!patient) return patient.error();
    EhrAdt a;
    a.patient = *patient;
    a.trigger = std::string(adt) == "ehr.register" ? "A04" : std::string(adt) == "ehr.update" ? "A08" : "A40";
    a.merge_from = scalar(body, "merge_from");
    if (a.trigger == "A40" && a.merge_from.empty()) {
      return invalid(origin, where + ".ehr.merge.merge_from", "a merge names the MRN merged into the patient");
    }
    return std::optional<Action>{a};
  }
  if (const auto body = node["ehr.order"]) {
    auto keys = patient_keys;
    keys.insert({"placer", "procedure", "modality", "control"});
    if (auto r = known_keys(body, keys, origin, where + ".ehr.order"); !r) return r.error();
    auto patient = patient_spec(body, origin, where + ".ehr.order");
    if (!patient) return patient.error();
    EhrOrder o;
    o.patient = *patient;
    o.placer = scalar(body, "placer");
    o.procedure = scalar(body, "procedure", o.procedure);
    o.modality = scalar(body, "modality", o.modality);
    o.control = scalar(body, "control", o.control);
    if (o.placer.empty()) return invalid(origin, where + ".ehr.order.placer", "the placer order number is required");
    if (o.control != "NW" && o.control != "XO" && o.control != "CA") {
      return invalid(origin, where + ".ehr.order.control", "one of NW, XO, CA");
    }
    return std::optional<Action>{o};
  }
  if (const auto body = node["ris.accessioned"]) {
    if (auto r = known_keys(body, {"placer", "within"}, origin, where + ".ris.accessioned"); !r) return r.error();
    RisAccessioned a;
    a.placer = scalar(body, "placer");
    a.within = seconds_at(body, "within", a.within);
    if (a.placer.empty()) return invalid(origin, where + ".ris.accessioned.placer", "required");
    return std::optional<Action>{a};
  }
  if (const auto body = node["ris.report"]) {
    if (auto r = known_keys(body, {"placer", "status", "text", "addendum", "raw_line_breaks", "zds"}, origin,
                            where + ".ris.report");
        !r)
      return r.error();
    RisReport r;
    r.placer = scalar(body, "placer");
    r.status = scalar(body, "status", r.status);
    r.text = scalar(body, "text");
    r.addendum = flag(body, "addendum");
    r.raw_line_breaks = flag(body, "raw_line_breaks");
    r.with_zds = flag(body, "zds");
    if (r.placer.empty() || r.text.empty()) {
      return invalid(origin, where + ".ris.report", R"("placer" and "text" are required)");
    }
    if (r.status != "P" && r.status != "F" && r.status != "C") {
      return invalid(origin, where + ".ris.report.status", "one of P, F, C");
    }
    return std::optional<Action>{r};
  }
  if (const auto body = node["ehr.chart"]) {
    if (auto r = known_keys(body, {"placer", "status", "within"}, origin, where + ".ehr.chart"); !r) return r.error();
    EhrChart c;
    c.placer = scalar(body, "placer");
    c.status = scalar(body, "status", c.status);
    c.within = seconds_at(body, "within", c.within);
    if (c.placer.empty()) return invalid(origin, where + ".ehr.chart.placer", "required");
    return std::optional<Action>{c};
  }
  return std::optional<Action>{};
}

Result<Step> parse_step(const YAML::Node& node, std::size_t index, const std::filesystem::path& origin) {
  const auto where = "steps[" + std::to_string(index) + "]";
  if (!node.IsMap()) return invalid(origin, where, "a step must be a mapping");
  Step step;
  step.name = scalar(node, "name", where);
  static const std::set<std::string> known{"name",       "dicom_echo", "hl7_send",  "expect",          "ehr.register",
                                           "ehr.update", "ehr.merge",  "ehr.order", "ris.accessioned", "ris.report",
                                           "ehr.chart"};
  for (const auto& entry : node) {
    const auto key = entry.first.as<std::string>();
    if (!known.contains(key)) return invalid(origin, where, "unknown key \"" + key + "\"");
  }
  auto actor = parse_actor_step(node, origin, where);
  if (!actor) return actor.error();
  if (actor->has_value()) {
    step.action = **actor;
  } else if (node["dicom_echo"]) {
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
    return invalid(origin, where,
                   "a step needs an action: dicom_echo, hl7_send, ehr.register, ehr.update, ehr.merge, ehr.order, "
                   "ris.accessioned, ris.report or ehr.chart");
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
  static constexpr std::array<std::string_view, std::variant_size_v<Action>> kNames{
      "dicom_echo", "hl7_send", "ehr.adt", "ehr.order", "ris.accessioned", "ris.report", "ehr.chart"};
  return kNames.at(action.index());
}

}  // namespace radloop::harness
