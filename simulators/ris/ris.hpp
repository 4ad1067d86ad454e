// The RIS simulator: takes the orders the system under test forwards, assigns each an accession
// number (or, with the collision fault, reuses the last one), sends the accessioned order back
// (ORM^O01, ORC-1 SC, OBR-18 and the filler number), and signs reports as ORU^R01: P, F, C and
// addenda, narrative over several OBX, optionally raw line breaks in OBX-5 and a ZDS segment.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "simulators/hl7peer/peer.hpp"

namespace radloop::ris {

struct RisOptions {
  std::string accession_prefix = "ACC";
  unsigned first_accession = 1000;
  std::string accession_suffix;  // after the number: a run's namespace on a system that keeps data
  // Accession each new order as it arrives; off: the test or scenario calls accession() itself.
  bool auto_accession = true;
  // ZDS with a Study Instance UID on the accessioned order (<uid_root>.<seed>.<n>); empty: none.
  std::string uid_root;
  // The station each modality's orders are scheduled on (modality -> AE title). An order of a
  // listed modality goes back as OMI^O23 with an IPC segment naming it (IPC-9); others as ORM^O01.
  std::map<std::string, std::string> stations;
};

// An order the RIS holds, with the number it gave it.
struct HeldOrder {
  std::string placer;
  std::string accession;
  std::string patient_id;
  std::string issuer;
  std::string patient_name;
  std::string procedure;  // OBR-4 as received (code^text^system)
  std::string modality;
  std::string study_instance_uid;  // when the RIS assigned one
  hl7sim::SendResult sent;         // what the system under test answered to the accessioned order
};

struct Section {
  std::string heading;  // OBX-3 text, e.g. "Findings", "Impression", "Addendum"
  std::string text;     // lines separated by '\n'
};

struct ReportRequest {
  std::string accession;     // the order it is about (patient and placer come from the held order)
  std::string status = "F";  // P, F, C
  std::vector<Section> sections;
  bool addendum = false;         // the sections are an addendum to what was signed before
  bool raw_line_breaks = false;  // OBX-5 carries raw line breaks instead of \.br\ (a common defect)
  bool with_zds = false;         // ZDS-1 with the order's Study Instance UID
  // For a report about an order the RIS never held (the "unknown order" fault): who it names.
  std::string patient_id;
  std::string issuer = "GENERAL";
  std::string patient_name = "UNKNOWN^PATIENT";   // PID-5 is required, known or not
  std::string procedure = "71250^CT CHEST^CPT4";  // OBR-4 likewise
};

class Ris {
 public:
  static Result<std::unique_ptr<Ris>> start(hl7sim::PeerConfig config, RisOptions options = {});
  ~Ris();
  Ris(const Ris&) = delete;
  Ris& operator=(const Ris&) = delete;

  // The collision fault: the next order accessioned gets the same number as the last one.
  void reuse_next_accession() { reuse_next_ = true; }
  // Accessions an order the RIS received (by its placer number) and sends it back.
  Result<HeldOrder> accession(const std::string& placer);
  // Sends a report; the result names the control ID and what the system under test answered.
  hl7sim::SendResult report(const ReportRequest& request);
  [[nodiscard]] std::string report_message(const ReportRequest& request);

  [[nodiscard]] std::vector<HeldOrder> orders() const;
  // Waits until nothing has arrived or gone out for `quiet` (and no order waits to be
  // accessioned), at most `patience`; false when it did not settle.
  bool wait_idle(std::chrono::milliseconds quiet, std::chrono::milliseconds patience) const;
  // Waits up to `patience` until n orders are accessioned.
  std::vector<HeldOrder> wait_for_orders(std::size_t n, std::chrono::milliseconds patience) const;
  hl7sim::Peer& peer() { return *peer_; }

 private:
  Ris(RisOptions options) : options_(std::move(options)) {}
  void on_message(const hl7sim::Received& message);
  std::string header(const std::string& type);

  RisOptions options_;
  std::unique_ptr<hl7sim::Peer> peer_;
  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  std::vector<HeldOrder> received_;  // orders received, not yet accessioned
  std::vector<HeldOrder> held_;      // accessioned
  unsigned next_accession_ = 0;
  unsigned in_flight_ = 0;
  std::chrono::steady_clock::time_point last_activity_ = std::chrono::steady_clock::now();
  bool reuse_next_ = false;
};

}  // namespace radloop::ris
