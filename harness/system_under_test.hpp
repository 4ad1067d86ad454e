// The system a scenario runs against, seen only through its protocols and its query API.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "reference/core/result.hpp"
#include "reference/pipeline/sabotage.hpp"

namespace radloop::store {
class Store;
}

namespace radloop::harness {

// A study as the system shows it after the run. What it does not expose stays empty (state and
// linked order need an API beyond C-FIND); the checkers say "unknown" for those.
struct LandedStudy {
  std::string study_uid;
  std::string patient_id;  // as the system files it
  std::string issuer;
  std::string accession;
  std::int64_t instances = 0;    // stored and queryable; -1: the system does not say
  std::string state;             // linked, review, pending, rejected; empty: not observable
  std::string reason;            // why it is in review (or how it was linked)
  std::string linked_accession;  // the order it is linked to
  std::string linked_patient_id;
  std::string linked_issuer;
};

// A report as the system publishes it (a FHIR DiagnosticReport): what a clinician reading the
// record through FHIR sees.
struct PublishedReport {
  std::string id;
  std::string status;                    // preliminary, final, amended, corrected, appended, ...
  std::vector<std::string> patient_ids;  // the identifiers of the Patient it is about
  std::string text;                      // its plain-text presented form, else its conclusion
};

struct Endpoints {
  std::string host = "127.0.0.1";
  std::uint16_t mllp_port = 0;
  std::uint16_t dicom_port = 0;
  std::string ae_title;
};

class SystemUnderTest {
 public:
  virtual ~SystemUnderTest() = default;
  SystemUnderTest() = default;
  SystemUnderTest(const SystemUnderTest&) = delete;
  SystemUnderTest& operator=(const SystemUnderTest&) = delete;

  [[nodiscard]] virtual Endpoints endpoints() const = 0;
  // Is the message with this sender (MSH-3^MSH-4) and control ID durably kept?
  virtual Result<bool> has_inbound(const std::string& sender, const std::string& control_id) = 0;
  // How many records it keeps of this one message: 1, or more when a resend was kept again.
  // Per message, not per sender: a system that keeps data holds earlier runs' messages too.
  virtual Result<std::int64_t> count_inbound_records(const std::string& sender, const std::string& control_id) = 0;
  // The study with this Study Instance UID, nullopt when the system holds none; not_observable
  // when it offers no way to ask.
  virtual Result<std::optional<LandedStudy>> find_study(const std::string& study_uid) = 0;
  // Every Modality Worklist item it serves, as (patient ID, accession); not_observable when it
  // serves no worklist. By default one C-FIND on endpoints() (worklist_of.hpp).
  virtual Result<std::vector<std::pair<std::string, std::string>>> worklist_entries();
  // The reports it publishes for an accession (FHIR DiagnosticReport); not_observable when it
  // publishes none radloop was told of.
  virtual Result<std::vector<PublishedReport>> published_reports(const std::string& accession) {
    (void)accession;
    return Error{Errc::not_observable, "FHIR", "the system names no FHIR endpoint to read its reports from"};
  }
};

// Where a system sends HL7 on: the RIS (orders, status) and the EHR (reports); port 0: nowhere.
struct HostPort {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
};
struct RoutedTo {
  HostPort ris;
  HostPort ehr;
};

// How a scenario sets up the reference pipeline it runs against.
struct ReferenceOptions {
  RoutedTo routes;
  // Transfer syntaxes it accepts for storage; empty: its defaults.
  std::vector<std::string> transfer_syntaxes;
  // Calling AE titles it accepts associations from; empty: any.
  std::vector<std::string> known_callers;
  // Defects switched on to show that a scenario catches them; all off normally.
  pipeline::Sabotage sabotage;
};

// The in-process reference pipeline on ephemeral loopback ports, with an in-memory store and its
// images in a temporary folder removed when it stops.
Result<std::unique_ptr<SystemUnderTest>> start_reference_system(const ReferenceOptions& options = {});

}  // namespace radloop::harness

namespace radloop::harness {
// What the reference pipeline's store shows of a study (the reference system's find_study).
Result<std::optional<LandedStudy>> landed_study(store::Store& store, const std::string& study_uid);
}  // namespace radloop::harness
