// The step vocabulary of scenario files: one parser per action key, each with the keys it knows.
#include <fmt/format.h>

#include <functional>
#include <map>

#include "harness/internal/scenario_steps.hpp"
#include "harness/link/fault.hpp"
#include "simulators/hl7peer/peer.hpp"
#include "simulators/modality/faults.hpp"

namespace radloop::harness {
namespace {

using yaml::Reader;

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

const std::set<std::string> kPatientKeys{"mrn", "issuer", "family", "given", "birth_date", "sex"};

std::set<std::string> with_patient(std::set<std::string> keys) {
  keys.insert(kPatientKeys.begin(), kPatientKeys.end());
  return keys;
}

PatientSpec patient_spec(const Reader& r, const YAML::Node& node, const std::string& path) {
  PatientSpec p;
  p.mrn = r.required(node, path, "mrn", "the patient's MRN is required");
  p.issuer = r.text(node, path, "issuer", p.issuer);
  p.family = r.text(node, path, "family");
  p.given = r.text(node, path, "given");
  p.birth_date = r.text(node, path, "birth_date");
  p.sex = r.text(node, path, "sex");
  return p;
}

struct StepKind {
  std::set<std::string> keys;  // empty with `scalar`: the value is a single value, not a mapping
  std::function<Action(const Reader&, const YAML::Node&, const std::string&)> parse;
  bool scalar = false;
  bool open = false;  // the parser checks the keys itself (a fault's parameters depend on its type)
};

// link.fault: link, name, type, direction and the type's parameters, checked by the fault registry.
Action link_fault(const Reader& r, const YAML::Node& b, const std::string& p) {
  LinkFault a;
  a.link = r.required(b, p, "link", "name the link: " + yaml::join(link_names()));
  a.type = r.required(b, p, "type", "the fault's type: " + yaml::join(link::fault_types()));
  a.name = r.text(b, p, "name", a.type);
  a.direction = r.one_of(b, p, "direction", a.direction, {"messages", "replies", "both"});
  for (const auto& entry : b) {
    const auto key = entry.first.as<std::string>();
    if (key == "link" || key == "type" || key == "name" || key == "direction") continue;
    if (!entry.second.IsScalar()) r.fail(entry.second, p + "." + key, "a fault's parameter is a single value");
    a.params[key] = entry.second.as<std::string>();
  }
  link::FaultSpec spec;
  spec.name = a.name;
  spec.type = a.type;
  spec.params = a.params;
  if (auto valid = link::validate(spec); !valid) r.fail(b, p, valid.error().detail);
  return a;
}

// ehr.acks and ris.acks: the answers, each checked by the simulators' own parser.
template <char Actor>
Action acks(const Reader& r, const YAML::Node& b, const std::string& p) {
  Acks a;
  a.actor = Actor == 'r' ? "ris" : "ehr";
  a.next = r.list(b, p, "next");
  a.then = r.text(b, p, "then", a.then);
  for (const auto& answer : a.next) {
    if (auto why = ack_answer_problem(answer)) r.fail(b["next"], p + ".next", *why);
  }
  if (auto why = ack_answer_problem(a.then)) r.fail(b["then"], p + ".then", *why);
  return a;
}

template <typename State>
Action link_state(const Reader& r, const YAML::Node& b, const std::string& p) {
  State a;
  a.link = r.required(b, p, "link", "name the link: " + yaml::join(link_names()));
  return a;
}

Action adt(const Reader& r, const YAML::Node& b, const std::string& path, const char* trigger) {
  EhrAdt a;
  a.trigger = trigger;
  a.patient = patient_spec(r, b, path);
  if (a.trigger == "A40")
    a.merge_from = r.required(b, path, "merge_from", "a merge names the MRN merged into the patient");
  return a;
}

const std::map<std::string, StepKind>& kinds() {
  static const std::map<std::string, StepKind> table{
      {"dicom_echo",
       {{"calling_ae", "called_ae"},
        [](const Reader& r, const YAML::Node& b, const std::string& p) -> Action {
          DicomEcho a;
          a.calling_ae = r.text(b, p, "calling_ae", a.calling_ae);
          a.called_ae = r.text(b, p, "called_ae");
          return a;
        }}},
      {"hl7_send",
       {{"message"},
        [](const Reader& r, const YAML::Node& b, const std::string& p) -> Action {
          return Hl7Send{to_er7(r.required(b, p, "message", "the message to send is required"))};
        }}},
      {"ehr.register",
       {kPatientKeys, [](const Reader& r, const YAML::Node& b, const std::string& p) { return adt(r, b, p, "A04"); }}},
      {"ehr.admit",
       {kPatientKeys, [](const Reader& r, const YAML::Node& b, const std::string& p) { return adt(r, b, p, "A01"); }}},
      {"ehr.update",
       {kPatientKeys, [](const Reader& r, const YAML::Node& b, const std::string& p) { return adt(r, b, p, "A08"); }}},
      {"ehr.merge",
       {with_patient({"merge_from"}),
        [](const Reader& r, const YAML::Node& b, const std::string& p) { return adt(r, b, p, "A40"); }}},
      {"ehr.order",
       {with_patient({"placer", "procedure", "modality", "control", "scheduled"}),
        [](const Reader& r, const YAML::Node& b, const std::string& p) -> Action {
          EhrOrder o;
          o.patient = patient_spec(r, b, p);
          o.placer = r.required(b, p, "placer", "the placer order number is required");
          o.procedure = r.text(b, p, "procedure", o.procedure);
          o.modality = r.text(b, p, "modality", o.modality);
          o.control = r.one_of(b, p, "control", o.control, {"NW", "XO", "CA"});
          o.scheduled = r.text(b, p, "scheduled");
          const auto digits = o.scheduled.find_first_not_of("0123456789") == std::string::npos;
          if (!o.scheduled.empty() && (!digits || (o.scheduled.size() != 8 && o.scheduled.size() != 12))) {
            r.fail(b["scheduled"], p + ".scheduled", "a date YYYYMMDD or a date and time YYYYMMDDHHMM");
          }
          return o;
        }}},
      {"ris.accessioned",
       {{"placer", "within"},
        [](const Reader& r, const YAML::Node& b, const std::string& p) -> Action {
          RisAccessioned a;
          a.placer = r.required(b, p, "placer", "required: the order's placer number");
          a.within = r.seconds(b, p, "within", a.within);
          return a;
        }}},
      {"ris.report",
       {{"placer", "status", "text", "addendum", "raw_line_breaks", "zds", "as"},
        [](const Reader& r, const YAML::Node& b, const std::string& p) -> Action {
          RisReport a;
          a.placer = r.required(b, p, "placer", "required: the order's placer number");
          a.text = r.required(b, p, "text", "required: the report's text");
          a.status = r.one_of(b, p, "status", a.status, {"P", "F", "C"});
          a.addendum = r.flag(b, p, "addendum", false);
          a.raw_line_breaks = r.flag(b, p, "raw_line_breaks", false);
          a.with_zds = r.flag(b, p, "zds", false);
          a.form = r.one_of(b, p, "as", a.form, {"oru", "sr", "pdf"});
          if (a.form != "oru" && (a.status == "C" || a.addendum || a.raw_line_breaks || a.with_zds)) {
            r.fail(b, p, "a DICOM report (as: sr or pdf) is P (unverified) or F (verified), with no ORU options");
          }
          return a;
        }}},
      {"ris.report_unknown",
       {{"accession", "mrn", "issuer", "text"},
        [](const Reader& r, const YAML::Node& b, const std::string& p) -> Action {
          RisUnknownReport a;
          a.accession = r.required(b, p, "accession", "required: the accession the report names");
          a.mrn = r.required(b, p, "mrn", "required: the patient the report names");
          a.issuer = r.text(b, p, "issuer", a.issuer);
          a.text = r.required(b, p, "text", "required: the report's text");
          return a;
        }}},
      {"ris.collide",
       {{}, [](const Reader&, const YAML::Node&, const std::string&) -> Action { return RisCollide{}; }}},
      {"ehr.acks", {{"next", "then"}, acks<'e'>}},
      {"ris.acks", {{"next", "then"}, acks<'r'>}},
      {"ehr.down", {{}, [](const Reader&, const YAML::Node&, const std::string&) -> Action { return EhrDown{}; }}},
      {"ehr.up", {{}, [](const Reader&, const YAML::Node&, const std::string&) -> Action { return EhrUp{}; }}},
      {"ehr.chart",
       {{"placer", "status", "within"},
        [](const Reader& r, const YAML::Node& b, const std::string& p) -> Action {
          EhrChart a;
          a.placer = r.required(b, p, "placer", "required: the order's placer number");
          a.status = r.one_of(b, p, "status", a.status, {"P", "F", "C"});
          a.within = r.seconds(b, p, "within", a.within);
          return a;
        }}},
      {"modality.acquire",
       {with_patient(
            {"modality", "placer", "accession", "study", "series", "instances", "faults", "worklist", "commit"}),
        [](const Reader& r, const YAML::Node& b, const std::string& p) -> Action {
          ModalityAcquire a;
          a.modality = r.required(b, p, "modality", "required: which of the scenario's modalities acquires");
          a.worklist = r.flag(b, p, "worklist", true);
          a.commit = r.flag(b, p, "commit", false);
          a.placer = r.text(b, p, "placer");
          a.accession = r.text(b, p, "accession");
          if (a.worklist && a.placer.empty())
            r.fail(b, p + ".placer", "the order to pick from the worklist is required (or say worklist: false)");
          if (!a.worklist) a.patient = patient_spec(r, b, p);
          a.study = r.text(b, p, "study", a.placer.empty() ? a.accession : a.placer);
          if (a.study.empty()) r.fail(b, p + ".study", "name the study (study: S1) so later steps can refer to it");
          a.series = static_cast<std::uint32_t>(r.count(b, p, "series", a.series, 1, 50));
          a.instances = static_cast<std::uint32_t>(r.count(b, p, "instances", a.instances, 1, 5000));
          a.faults = r.list(b, p, "faults");
          for (const auto& f : a.faults) {
            if (auto parsed = modality::parse_fault(f); !parsed)
              r.fail(b["faults"], p + ".faults", parsed.error().detail);
          }
          return a;
        }}},
      {"sut.study",
       {{"study", "within"},
        [](const Reader& r, const YAML::Node& b, const std::string& p) -> Action {
          SutStudy a;
          a.study = r.required(b, p, "study", "required: the label of a study acquired earlier");
          a.within = r.seconds(b, p, "within", a.within);
          return a;
        }}},
      {"load.day",
       {{"studies", "modalities", "instances", "within"},
        [](const Reader& r, const YAML::Node& b, const std::string& p) -> Action {
          LoadDay a;
          a.studies = static_cast<std::uint32_t>(r.count(b, p, "studies", a.studies, 1, 100'000));
          a.modalities = r.list(b, p, "modalities");
          if (a.modalities.empty()) r.fail(b, p + ".modalities", "name the modalities (actors) that share the work");
          a.instances = static_cast<std::uint32_t>(r.count(b, p, "instances", a.instances, 1, 1000));
          a.within = r.seconds(b, p, "within", a.within);
          return a;
        }}},
      {"link.fault", {{}, link_fault, false, true}},
      {"link.clear",
       {{"link", "name"},
        [](const Reader& r, const YAML::Node& b, const std::string& p) -> Action {
          LinkClear a;
          a.link = r.required(b, p, "link", "name the link: " + yaml::join(link_names()));
          a.name = r.text(b, p, "name");
          return a;
        }}},
      {"link.down", {{"link"}, link_state<LinkDown>}},
      {"link.up", {{"link"}, link_state<LinkUp>}},
      {"wait",
       {{},
        [](const Reader& r, const YAML::Node& b, const std::string& p) -> Action {
          double seconds = 0;
          if (!YAML::convert<double>::decode(b, seconds) || seconds < 0 || seconds > 600)
            r.fail(b, p, "a number of seconds from 0 to 600");
          return Wait{std::chrono::milliseconds(static_cast<long>(seconds * 1000))};
        },
        true}},
  };
  return table;
}

}  // namespace

std::optional<std::string> ack_answer_problem(const std::string& answer) {
  auto parsed = hl7sim::parse_ack_behaviour(answer);
  if (parsed) return std::nullopt;
  return "\"" + answer + "\": " + parsed.error().detail;
}

std::vector<std::string> step_actions() {
  std::vector<std::string> names;
  for (const auto& [name, kind] : kinds()) names.push_back(name);
  return names;
}

Step parse_step(const Reader& r, const YAML::Node& node, std::size_t index, const StepContext& context) {
  const auto& modality_names = context.modalities;
  const auto path = fmt::format("steps[{}]", index);
  if (!node.IsMap()) r.fail(node, path, "a step must be a mapping");
  Step step;
  step.line = node.Mark().line + 1;
  step.name = r.text(node, path, "name", path);
  std::string action_key;
  for (const auto& entry : node) {
    const auto key = entry.first.as<std::string>();
    if (key == "name" || key == "expect" || key == "policy") continue;
    if (!kinds().contains(key)) {
      r.fail(entry.first, path + "." + key,
             fmt::format("unknown key \"{}\" (a step has name, expect, policy and one action: {})", key,
                         yaml::join(step_actions())));
    }
    if (!action_key.empty()) r.fail(entry.first, path, "a step has one action; found " + action_key + " and " + key);
    action_key = key;
  }
  if (action_key.empty()) r.fail(node, path, "a step needs an action: " + yaml::join(step_actions()));
  const auto& kind = kinds().at(action_key);
  const auto body = node[action_key];
  const auto body_path = path + "." + action_key;
  if (kind.scalar) {
    if (!body.IsScalar()) r.fail(body, body_path, "must be a single value");
    step.action = kind.parse(r, body, body_path);
  } else {
    // `ehr.down: {}` and a bare `ehr.down:` both mean "no options".
    const auto options = body.IsNull() ? YAML::Node(YAML::NodeType::Map) : body;
    if (!kind.open) r.only_keys(options, body_path, kind.keys);
    step.action = kind.parse(r, options, body_path);
  }
  const auto link = link_of(step.action);
  if (!link.empty() && !context.links.contains(link)) {
    r.fail(body, body_path + ".link",
           fmt::format(
               "the scenario puts no proxy on \"{}\": list it under links: (declared: {})", link,
               context.links.empty() ? std::string("none") : yaml::join({context.links.begin(), context.links.end()})));
  }
  std::vector<std::string> named;
  if (const auto* acquire = std::get_if<ModalityAcquire>(&step.action)) named = {acquire->modality};
  if (const auto* load = std::get_if<LoadDay>(&step.action)) named = load->modalities;
  for (const auto& name : named) {
    if (modality_names.contains(name)) continue;
    r.fail(body, body_path,
           fmt::format("no modality \"{}\" among the scenario's actors (known: {})", name,
                       yaml::join({modality_names.begin(), modality_names.end()})));
  }
  if (const auto expect = node["expect"]) {
    if (!expect.IsMap()) r.fail(expect, path + ".expect", "must be a mapping");
    for (const auto& entry : expect) {
      const auto key = entry.first.as<std::string>();
      if (entry.second.IsScalar()) {
        step.expect[key] = expected_from_text(entry.second.as<std::string>());
      } else if (entry.second.IsSequence() && entry.second.size() > 0) {
        std::vector<std::string> alternatives;
        for (const auto& item : entry.second) {
          if (!item.IsScalar()) r.fail(item, path + ".expect." + key, "each alternative is a single value");
          alternatives.push_back(item.as<std::string>());
        }
        step.expect[key] = expected_from_list(alternatives);
      } else {
        r.fail(entry.second, path + ".expect." + key,
               "an expected value is a single value or a list of the values allowed ([AA, AE])");
      }
    }
  }
  step.policy = r.text(node, path, "policy");
  if (!step.policy.empty() && step.expect.empty()) {
    r.fail(node["policy"], path + ".policy", "a policy names the local choice an expectation tests: add expect:");
  }
  return step;
}

}  // namespace radloop::harness
