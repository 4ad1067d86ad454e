// Reading scenario YAML into the scenario model, with errors that name file, line and key.
#include "harness/scenario.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <fstream>
#include <sstream>

#include "harness/internal/scenario_steps.hpp"
#include "harness/internal/scenario_yaml.hpp"

namespace radloop::harness {
namespace {

using yaml::Reader;

Teaching teaching(const Reader& r, const YAML::Node& node) {
  Teaching t;
  if (!node) return t;
  r.only_keys(node, "teaches", {"failure", "symptom", "fix"});
  t.failure = r.required(node, "teaches", "failure", "what goes wrong in the real world");
  t.symptom = r.text(node, "teaches", "symptom");
  t.fix = r.text(node, "teaches", "fix");
  return t;
}

void read_actors(const Reader& r, const YAML::Node& node, Scenario& scenario) {
  if (!node) return;
  r.only_keys(node, "actors", {"modalities", "ris"});
  if (const auto ris = node["ris"]) {
    r.only_keys(ris, "actors.ris", {"study_uids", "schedules_stations"});
    scenario.ris_study_uids = r.flag(ris, "actors.ris", "study_uids", false);
    scenario.ris_schedules_stations = r.flag(ris, "actors.ris", "schedules_stations", false);
  }
  const auto modalities = node["modalities"];
  if (!modalities) return;
  if (!modalities.IsMap()) r.fail(modalities, "actors.modalities", "a mapping of modality names to their settings");
  for (const auto& entry : modalities) {
    ModalityActor m;
    m.name = entry.first.as<std::string>();
    const auto path = "actors.modalities." + m.name;
    const auto body = entry.second.IsNull() ? YAML::Node(YAML::NodeType::Map) : entry.second;
    r.only_keys(body, path, {"modality", "ae_title", "transfer_syntax", "worklist", "worklist_keys"});
    m.modality = r.one_of(body, path, "modality", m.modality, {"CT", "MR", "CR", "DX", "US", "MG"});
    m.ae_title = r.text(body, path, "ae_title", m.name);
    if (m.ae_title.size() > 16) r.fail(body, path + ".ae_title", "an AE title has at most 16 characters");
    m.transfer_syntax = r.text(body, path, "transfer_syntax");
    m.worklist = r.flag(body, path, "worklist", true);
    if (body["worklist_keys"]) {
      m.worklist_keys = r.list(body, path, "worklist_keys");
      for (const auto& key : m.worklist_keys) {
        if (key != "accession" && key != "modality" && key != "station" && key != "date" && key != "patient_id") {
          r.fail(body["worklist_keys"], path + ".worklist_keys",
                 "\"" + key + "\" is not a worklist key: accession, modality, station, date or patient_id");
        }
      }
      if (m.worklist_keys.empty()) r.fail(body, path + ".worklist_keys", "name at least one key");
    }
    scenario.modalities.push_back(std::move(m));
  }
}

Scenario read(const Reader& r, const YAML::Node& root, const std::filesystem::path& origin) {
  if (!root.IsMap()) r.fail(root, "top level", R"(a scenario is a mapping with at least "scenario" and "steps")");
  r.only_keys(root, "",
              {"scenario", "description", "teaches", "seed", "system", "reference", "actors", "links", "steps"});
  Scenario scenario;
  scenario.origin = origin;
  scenario.name = r.required(root, "", "scenario", "the scenario needs a name");
  scenario.description = r.text(root, "", "description");
  scenario.seed = r.count(root, "", "seed", 0, 0, UINT64_MAX);
  scenario.system = r.one_of(root, "", "system", scenario.system, {"reference"});
  scenario.teaches = teaching(r, root["teaches"]);
  read_actors(r, root["actors"], scenario);
  if (const auto reference = root["reference"]) {
    r.only_keys(reference, "reference", {"transfer_syntaxes", "known_callers_only"});
    scenario.reference.transfer_syntaxes = r.list(reference, "reference", "transfer_syntaxes");
    scenario.reference.known_callers_only = r.flag(reference, "reference", "known_callers_only", false);
  }
  scenario.links = r.list(root, "", "links");
  for (const auto& link : scenario.links) {
    const auto& known = link_names();
    if (std::find(known.begin(), known.end(), link) == known.end())
      r.fail(root["links"], "links", fmt::format("no link \"{}\" (the links are {})", link, yaml::join(known)));
  }
  StepContext context;
  for (const auto& m : scenario.modalities) context.modalities.insert(m.name);
  context.links.insert(scenario.links.begin(), scenario.links.end());
  const auto steps = root["steps"];
  if (!steps || !steps.IsSequence() || steps.size() == 0) r.fail(steps, "steps", "a non-empty list is required");
  for (std::size_t i = 0; i < steps.size(); ++i) scenario.steps.push_back(parse_step(r, steps[i], i, context));
  return scenario;
}

}  // namespace

Result<Scenario> parse_scenario(const std::string& yaml_text, const std::filesystem::path& origin) {
  const Reader reader(origin);
  try {
    return read(reader, YAML::Load(yaml_text), origin);
  } catch (const yaml::Problem& p) {
    return p.error;
  } catch (const YAML::Exception& e) {
    const auto file = origin.empty() ? std::string("scenario") : origin.string();
    return Error{Errc::scenario_invalid, fmt::format("{}:{}", file, e.mark.line + 1), e.msg};
  }
}

Result<Scenario> load_scenario(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) return Error{Errc::scenario_invalid, path.string(), "cannot open the file"};
  std::stringstream text;
  text << in.rdbuf();
  return parse_scenario(text.str(), path);
}

const std::vector<std::string>& link_names() {
  static const std::vector<std::string> names{"ehr_to_system", "ris_to_system", "modalities_to_system", "system_to_ehr",
                                              "system_to_ris"};
  return names;
}

std::string link_of(const Action& action) {
  return std::visit(
      [](const auto& a) -> std::string {
        if constexpr (requires { a.link; }) return a.link;
        return {};
      },
      action);
}

std::string_view action_name(const Action& action) {
  static constexpr std::array<std::string_view, std::variant_size_v<Action>> kNames{
      "dicom_echo",       "hl7_send",   "ehr.adt",   "ehr.order",
      "ris.accessioned",  "ris.report", "ehr.chart", "ris.report_unknown",
      "ris.collide",      "ehr.acks",   "ehr.down",  "ehr.up",
      "modality.acquire", "sut.study",  "wait",      "load.day",
      "link.fault",       "link.clear", "link.down", "link.up"};
  if (const auto* acks = std::get_if<Acks>(&action); acks != nullptr && acks->actor == "ris") return "ris.acks";
  return kNames.at(action.index());
}

}  // namespace radloop::harness
