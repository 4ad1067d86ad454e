// Renames a scenario's identifiers into a run namespace (see id_namespace.hpp).
#include "harness/id_namespace.hpp"

#include <random>
#include <set>

namespace radloop::harness {
namespace {

std::string named(const std::string& id, const std::string& suffix) { return id.empty() ? id : id + suffix; }

// The expectations whose values are identifiers the scenario named.
const std::set<std::string>& identifier_keys() {
  static const std::set<std::string> keys{"linked_accession", "linked_patient_id", "sent_accession", "sent_patient_id"};
  return keys;
}

// Modality faults whose value is an identifier ("other_patient_id=MRN2072").
std::string fault_in_namespace(const std::string& fault, const std::string& suffix) {
  const std::string key = "other_patient_id=";
  if (fault.rfind(key, 0) != 0) return fault;
  return key + named(fault.substr(key.size()), suffix);
}

void rename(PatientSpec& patient, const std::string& suffix) { patient.mrn = named(patient.mrn, suffix); }

struct Renamer {
  const std::string& suffix;

  void operator()(Hl7Send& a) const { a.message = hl7_in_namespace(a.message, suffix); }
  void operator()(EhrAdt& a) const {
    rename(a.patient, suffix);
    a.merge_from = named(a.merge_from, suffix);
  }
  void operator()(EhrOrder& a) const {
    rename(a.patient, suffix);
    a.placer = named(a.placer, suffix);
  }
  void operator()(RisAccessioned& a) const { a.placer = named(a.placer, suffix); }
  void operator()(RisReport& a) const { a.placer = named(a.placer, suffix); }
  void operator()(EhrChart& a) const { a.placer = named(a.placer, suffix); }
  void operator()(RisUnknownReport& a) const {
    a.accession = named(a.accession, suffix);
    a.mrn = named(a.mrn, suffix);
  }
  void operator()(ModalityAcquire& a) const {
    // The label (a.study) is the scenario's own name for the study, not an identifier on the wire.
    a.placer = named(a.placer, suffix);
    a.accession = named(a.accession, suffix);
    rename(a.patient, suffix);
    for (auto& fault : a.faults) fault = fault_in_namespace(fault, suffix);
  }
  // Everything else names no identifier (load.day makes its own, with the scenario's suffix).
  template <typename Other>
  void operator()(Other& /*action*/) const {}
};

// Renames component 1 of each repetition of a field: "MRN1^^^GH^MR~X9" -> "MRN1S^^^GH^MR~X9S".
std::string rename_field(const std::string& field, char repetition, char component, const std::string& suffix) {
  std::string out;
  std::size_t start = 0;
  while (true) {
    const auto end = field.find(repetition, start);
    const auto rep = field.substr(start, end == std::string::npos ? std::string::npos : end - start);
    const auto first_end = rep.find(component);
    const auto id = rep.substr(0, first_end);
    out += named(id, suffix);
    if (first_end != std::string::npos) out += rep.substr(first_end);
    if (end == std::string::npos) break;
    out += repetition;
    start = end + 1;
  }
  return out;
}

// Which fields of a segment hold identifiers (ER7 field numbers; MSH counts its separator as 1).
const std::set<int>* identifier_fields(const std::string& segment_id) {
  static const std::map<std::string, std::set<int>> fields{
      {"MSH", {10}}, {"PID", {2, 3}}, {"MRG", {1}}, {"ORC", {2, 3}}, {"OBR", {2, 3, 18}}};
  const auto it = fields.find(segment_id);
  return it == fields.end() ? nullptr : &it->second;
}

std::string rename_segment(const std::string& segment, char field_sep, char repetition, char component,
                           const std::string& suffix) {
  const auto id = segment.substr(0, 3);
  const auto* wanted = identifier_fields(id);
  if (wanted == nullptr || segment.size() < 4 || segment[3] != field_sep) return segment;
  // Field numbers: for MSH the separator itself is MSH-1, so the first split field is MSH-2.
  const int first = id == "MSH" ? 2 : 1;
  std::string out = segment.substr(0, 4);
  std::size_t start = 4;
  for (int n = first;; ++n) {
    const auto end = segment.find(field_sep, start);
    const auto field = segment.substr(start, end == std::string::npos ? std::string::npos : end - start);
    // MSH-2 holds the encoding characters themselves: never split it.
    out +=
        wanted->count(n) != 0 && !(id == "MSH" && n == 2) ? rename_field(field, repetition, component, suffix) : field;
    if (end == std::string::npos) break;
    out += field_sep;
    start = end + 1;
  }
  return out;
}

}  // namespace

std::string IdNamespace::suffix() const {
  std::string letters(5, 'A');
  auto n = number % kCount;
  for (auto it = letters.rbegin(); it != letters.rend(); ++it) {
    *it = static_cast<char>('A' + n % 26);
    n /= 26;
  }
  return letters;
}

IdNamespace IdNamespace::random() {
  std::random_device source;
  IdNamespace ns;
  ns.number = static_cast<std::uint32_t>(source() % kCount);
  return ns;
}

std::string hl7_in_namespace(const std::string& message, const std::string& suffix) {
  if (message.rfind("MSH", 0) != 0 || message.size() < 8) return message;
  const char field_sep = message[3];
  const char component = message[4];
  const char repetition = message[5];
  std::string out;
  std::size_t start = 0;
  while (start <= message.size()) {
    // Segments end in <CR> on the wire; scenario files write them one per line.
    const auto end = message.find_first_of("\r\n", start);
    out += rename_segment(message.substr(start, end == std::string::npos ? std::string::npos : end - start), field_sep,
                          repetition, component, suffix);
    if (end == std::string::npos) break;
    out += message[end];
    start = end + 1;
  }
  return out;
}

Scenario in_namespace(Scenario scenario, const IdNamespace& ns) {
  const auto suffix = ns.suffix();
  scenario.id_suffix = suffix;
  // Every UID and control ID the simulators make derives from the seed: one seed per namespace.
  scenario.seed = scenario.seed * IdNamespace::kCount + ns.number;
  const Renamer renamer{suffix};
  for (auto& step : scenario.steps) {
    std::visit(renamer, step.action);
    for (auto& [key, expected] : step.expect) {
      if (identifier_keys().count(key) == 0) continue;
      for (auto& value : expected.any_of) {
        value = named(value.is_string() ? value.get<std::string>() : value.dump(), suffix);
      }
    }
  }
  return scenario;
}

}  // namespace radloop::harness
