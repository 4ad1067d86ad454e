// The scenario model: a YAML file of steps and their expectations, read into plain records.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <variant>
#include <vector>

#include "harness/expectation.hpp"
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
  std::string scheduled;  // OBR-36: YYYYMMDD[HHMM], when the exam is to be performed
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
  std::string form = "oru";  // oru, or sr / pdf: a DICOM object sent by a modality-style sender
};

// ehr.chart: waits until the EHR simulator has received the order's report with this status.
struct EhrChart {
  std::string placer;
  std::string status = "F";
  std::chrono::milliseconds within{10'000};
};

// ris.report_unknown: a report about an order the RIS never held (the "unknown order" fault).
struct RisUnknownReport {
  std::string accession;
  std::string mrn;
  std::string issuer = "GENERAL";
  std::string text;
};

// ris.collide: the next order the RIS accessions gets the number of the last one.
struct RisCollide {};

// ehr.acks / ris.acks: how the EHR (or RIS) simulator answers the messages it receives from now
// on: a list applied to the next messages in turn (AA, AE, AR, none, drop, wrong_id or blank_id,
// each optionally @<ms> to answer that late), then `then`.
struct Acks {
  std::string actor = "ehr";  // ehr or ris
  std::vector<std::string> next;
  std::string then = "AA";
};

// ehr.down / ehr.up: the EHR stops listening, then listens again on the same port.
struct EhrDown {};
struct EhrUp {};

// modality.acquire: a modality (an actor of the scenario) performs an exam: worklist query for
// the order, MPPS, C-STORE of the images, faults included. The study is known by `study` to
// later steps.
struct ModalityAcquire {
  std::string modality;   // the actor's name
  std::string placer;     // the order; the worklist is asked for the accession the RIS gave it
  std::string accession;  // without a worklist: typed at the console, with `patient`
  PatientSpec patient;    // without a worklist
  std::string study;      // a label; defaults to the placer
  std::uint32_t series = 1;
  std::uint32_t instances = 2;
  std::vector<std::string> faults;  // the modality simulator's faults: "transpose_accession", "abort_after=1"
  bool worklist = true;
  bool commit = false;  // ask for Storage Commitment of what was stored (the report on the same association)
};

// sut.study: waits until the system shows the labelled study settled (linked, or in review, or
// the state `expect` names), then records what it shows.
struct SutStudy {
  std::string study;
  std::chrono::milliseconds within{10'000};
};

// wait: lets time pass (retries, late ACKs, a receiver that is down).
struct Wait {
  std::chrono::milliseconds duration{0};
};

// load.day: a day's work at scale. Each of `studies` patients is registered, ordered, accessioned,
// acquired from the worklist, reported and charted; one worker per modality runs its share
// concurrently. The completion carries throughput and time-to-land percentiles.
struct LoadDay {
  std::uint32_t studies = 100;
  std::vector<std::string> modalities;       // actors of the scenario
  std::uint32_t instances = 2;               // per study
  std::chrono::milliseconds within{30'000};  // the longest any one wait may take
};

// The connections a scenario can put the harness's fault-injecting proxy on (harness/link), by
// name. On each, "messages" travel from the side named first and "replies" come back.
//   ehr_to_system, ris_to_system   the simulators' HL7 to the system (MLLP)
//   modalities_to_system           every modality's DICOM associations to the system
//   system_to_ehr, system_to_ris   the system's HL7 to the simulators
const std::vector<std::string>& link_names();

// link.fault: from now on, a fault on one of the scenario's links (harness/link/fault.hpp types:
// delay, slice, drop_after, reset, blackhole), on its messages, its replies or both.
struct LinkFault {
  std::string link;
  std::string name;  // for link.clear; defaults to the type
  std::string type;
  std::string direction = "messages";  // messages, replies or both
  std::map<std::string, std::string> params;
};

// link.clear: the fault named (or every fault) leaves the link; what a delay held goes on.
struct LinkClear {
  std::string link;
  std::string name;
};

// link.down / link.up: the link refuses connections and resets open ones, then carries again.
struct LinkDown {
  std::string link;
};
struct LinkUp {
  std::string link;
};

using Action = std::variant<DicomEcho, Hl7Send, EhrAdt, EhrOrder, RisAccessioned, RisReport, EhrChart, RisUnknownReport,
                            RisCollide, Acks, EhrDown, EhrUp, ModalityAcquire, SutStudy, Wait, LoadDay, LinkFault,
                            LinkClear, LinkDown, LinkUp>;

struct Step {
  std::string name;
  Action action;
  // What the step's completion must show, key by key: {status: success}, {ack: [AA, AE]},
  // {resend_answer: warning}. Without any, the step must simply have succeeded.
  Expectations expect;
  // Set when the expectation tests a local choice the standards leave open (refuse an unknown
  // calling AE, the exact status of a conflicting resend): the choice, in words. Certification
  // profiles can leave such steps' expectations out.
  std::string policy;
  int line = 0;  // where it is in the file
};

// A modality the scenario uses.
struct ModalityActor {
  std::string name;
  std::string modality = "CT";
  std::string ae_title;         // calling AE; defaults to the name
  std::string transfer_syntax;  // empty: explicit VR little endian
  bool worklist = true;
  // The keys it asks the worklist with: accession and modality by default; station (its own AE
  // title as Scheduled Station AE Title), date (the order's scheduled date: the day of the exam)
  // and patient_id (read off a wristband) as a site configures it.
  std::vector<std::string> worklist_keys{"accession", "modality"};
};

// For people learning: the real-world failure the scenario reproduces.
struct Teaching {
  std::string failure;
  std::string symptom;
  std::string fix;
};

// How the reference pipeline is set up for the scenario (an external system is as it is).
struct ReferenceSetup {
  std::vector<std::string> transfer_syntaxes;  // accepted for storage; empty: its defaults
  bool known_callers_only = false;  // only the scenario's modalities (and REPORTING, RADLOOP_SCU) may associate
};

struct Scenario {
  std::string name;
  std::string description;
  Teaching teaches;
  std::uint64_t seed = 0;
  std::string system = "reference";  // which system under test; only the in-process reference so far
  std::vector<ModalityActor> modalities;
  bool ris_study_uids = false;  // the RIS puts a Study Instance UID (ZDS) on accessioned orders
  // The RIS schedules each order on a station: the first modality actor of the order's modality,
  // sent back as OMI^O23 with IPC-9 (Scheduled Station AE Title).
  bool ris_schedules_stations = false;
  ReferenceSetup reference;
  std::vector<std::string> links;  // link_names() the harness puts a proxy on, for link.* steps
  std::vector<Step> steps;
  std::filesystem::path origin;  // the file it came from, for messages
  // Appended to every identifier the scenario names and the simulators make (RIS accessions,
  // load.day's patients and orders); empty unless run in a namespace (id_namespace.hpp).
  std::string id_suffix;
};

Result<Scenario> parse_scenario(const std::string& yaml_text, const std::filesystem::path& origin = {});
Result<Scenario> load_scenario(const std::filesystem::path& path);

std::string_view action_name(const Action& action);
// The link a link.* step acts on; empty for every other action.
std::string link_of(const Action& action);

}  // namespace radloop::harness
