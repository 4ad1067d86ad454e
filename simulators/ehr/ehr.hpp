// The EHR simulator: registers and updates patients (ADT A01/A04/A08/A40), places, changes and
// cancels orders (ORM^O01 NW/XO/CA), and receives the reports the system under test routes to
// it, answering each as its script says (AA, AE, AR, no answer, late, dropped) or not at all
// while it is down.
#pragma once

#include <memory>
#include <string>

#include "simulators/hl7peer/peer.hpp"

namespace radloop::ehr {

struct Patient {
  std::string mrn;
  std::string issuer = "GENERAL";
  std::string family;
  std::string given;
  std::string birth_date;  // YYYYMMDD
  std::string sex;         // M, F, O, U
};

struct Order {
  std::string placer;  // the EHR's order number
  Patient patient;
  std::string procedure_code;
  std::string procedure_text;
  std::string coding_system = "CPT4";
  std::string modality;   // OBR-24
  std::string scheduled;  // OBR-36, YYYYMMDD[HHMM]; empty: not said
};

// A report as the EHR filed it: whose chart it went to, for which order, and what a clinician
// reads there.
struct ChartEntry {
  std::string control_id;
  std::string patient_id;    // PID-3.1 of the first identifier
  std::string issuer;        // its assigning authority (PID-3.4)
  std::string patient_name;  // PID-5, FAMILY^GIVEN
  std::string accession;     // OBR-18, else OBR-3
  std::string placer;
  std::string status;              // OBR-25
  std::string study_instance_uid;  // ZDS-1
  std::string text;                // the text OBX-5 values, one line each, in order
  std::string answered;            // as hl7sim::Received::answered
  bool kept = false;               // filed in the chart (hl7sim::kept)
};

class Ehr {
 public:
  // config.actor and config.application default to the EHR's.
  static Result<std::unique_ptr<Ehr>> start(hl7sim::PeerConfig config);

  hl7sim::SendResult register_patient(const Patient& patient, const std::string& trigger = "A04");
  hl7sim::SendResult update_patient(const Patient& patient) { return register_patient(patient, "A08"); }
  // A40: `prior` is merged into `survivor`.
  hl7sim::SendResult merge(const Patient& survivor, const Patient& prior);
  // ORM^O01 with ORC-1 NW (new), XO (changed) or CA (cancelled).
  hl7sim::SendResult order(const Order& order, const std::string& control = "NW");

  // The reports received so far, in arrival order (each resend is an entry of its own).
  [[nodiscard]] std::vector<ChartEntry> chart() const;
  hl7sim::Peer& peer() { return *peer_; }

  // The messages, exposed for tests and for scenarios that alter them before sending.
  [[nodiscard]] std::string adt_message(const Patient& patient, const std::string& trigger,
                                        const Patient* prior = nullptr);
  [[nodiscard]] std::string order_message(const Order& order, const std::string& control);

 private:
  explicit Ehr(std::unique_ptr<hl7sim::Peer> peer) : peer_(std::move(peer)) {}
  std::string header(const std::string& type);
  std::unique_ptr<hl7sim::Peer> peer_;
};

// The report fields of an ORU^R01, as an EHR would file it; empty fields when it is not one.
ChartEntry chart_entry(const std::string& er7);

}  // namespace radloop::ehr
