// The scenario model: a YAML file of steps and their expectations, read into plain records.
#pragma once

#include <chrono>
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

// The patient an EHR step is about.
struct PatientSpec {
  std::string mrn;
  std::string issuer = "GENERAL";
  std::string family;
  std::string given;
  std::string birth_date;
  std::string sex;
};

// ehr.register (A04), ehr.update (A08), ehr.merge (A40, merge_from into patient): ADT from the
// EHR simulator.
struct EhrAdt {
  std::string trigger = "A04";
  PatientSpec patient;
  std::string merge_from;
};

// ehr.order: ORM^O01 from the EHR simulator (control NW, XO or CA).
struct EhrOrder {
  std::string placer;
  PatientSpec patient;
  std::string procedure = "71250^CT CHEST^CPT4";  // OBR-4
  std::string modality = "CT";
  std::string control = "NW";
};

// ris.accessioned: waits until the RIS simulator has accessioned the order and sent it back.
struct RisAccessioned {
  std::string placer;
  std::chrono::milliseconds within{10'000};
};

// ris.report: the RIS simulator signs a report for the order (found by its placer number).
struct RisReport {
  std::string placer;
  std::string status = "F";
  std::string text;
  bool addendum = false;
  bool raw_line_breaks = false;
  bool with_zds = false;
};

// ehr.chart: waits until the EHR simulator has received the order's report with this status.
struct EhrChart {
  std::string placer;
  std::string status = "F";
  std::chrono::milliseconds within{10'000};
};

using Action = std::variant<DicomEcho, Hl7Send, EhrAdt, EhrOrder, RisAccessioned, RisReport, EhrChart>;

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
