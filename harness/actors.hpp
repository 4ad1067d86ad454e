// The simulated EHR, RIS and modalities that a scenario's actor steps (ehr.*, ris.*, modality.*)
// drive, on ephemeral loopback ports, and the running of those steps into the history.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>

#include "harness/history.hpp"
#include "harness/link/proxy.hpp"
#include "harness/scenario.hpp"
#include "harness/scratch_dir.hpp"
#include "harness/system_under_test.hpp"
#include "simulators/ehr/ehr.hpp"
#include "simulators/ris/ris.hpp"

namespace radloop::harness {

// A study a modality step acquired: what it is for in truth and what was sent.
struct AcquiredStudy {
  std::string label;
  std::string placer;
  std::string study_uid;  // as sent
  std::string truth_patient_id;
  std::string truth_accession;
  std::string sent_patient_id;
  std::string sent_accession;
  std::string patient_name;
  std::string issuer;        // as sent
  std::string truth_issuer;  // of the patient the order is for
};

struct Actors {
  std::unique_ptr<ehr::Ehr> ehr;
  std::unique_ptr<ris::Ris> ris;
  std::map<std::string, ModalityActor> modalities;
  std::uint64_t seed = 0;
  std::string id_suffix;  // the run's namespace, for identifiers the harness makes itself
  Endpoints sut;
  std::unique_ptr<ScratchDir> scratch;  // where modalities write their studies
  // The proxies on the scenario's links (Scenario::links), by link name.
  std::map<std::string, std::unique_ptr<link::Proxy>> links;

  // All listening; they send nowhere until connect(). Control IDs and UIDs derive from the seed.
  // The system sends to the RIS and EHR on these ports (0: ephemeral): the simulator's own, or
  // the proxy of a system_to_ris / system_to_ehr link in front of it.
  static Result<Actors> start(const Scenario& scenario, std::uint16_t ris_port = 0, std::uint16_t ehr_port = 0);
  // They send to the system under test (through the proxies of the *_to_system links).
  Result<void> connect(const Endpoints& target);
  // Where the system is to send to the RIS and to the EHR.
  [[nodiscard]] std::uint16_t ris_port() const;
  [[nodiscard]] std::uint16_t ehr_port() const;

  // The studies modality steps acquired, by label; steps may run on several threads (load).
  void remember(const AcquiredStudy& study);
  [[nodiscard]] std::optional<AcquiredStudy> study(const std::string& label) const;
  [[nodiscard]] std::optional<AcquiredStudy> study_of_order(const std::string& placer) const;

  // The truth of whom each order is for, from the scenario's ehr.order steps (never from what the
  // system forwarded to the RIS), by placer number.
  void ordered(const std::string& placer, const PatientSpec& patient, const std::string& scheduled = {});
  [[nodiscard]] std::optional<PatientSpec> patient_of_order(const std::string& placer) const;
  // When the order is to be performed, as the scenario placed it (YYYYMMDD[HHMM]); empty: not said.
  [[nodiscard]] std::string scheduled_for(const std::string& placer) const;

 private:
  std::set<std::string> scenario_links_;
  std::shared_ptr<std::mutex> studies_mutex_ = std::make_shared<std::mutex>();
  std::map<std::string, AcquiredStudy> studies_;
  std::map<std::string, std::pair<PatientSpec, std::string>> orders_;  // patient, scheduled
};

// Runs an actor step; with no actors (a system that was not started to route to them) the
// step's outcome is unknown, and says why.
Operation run_actor_step(std::size_t index, const Step& step, Actors* actors, SystemUnderTest& system,
                         History& history);

// link.fault, link.clear, link.down and link.up (link_steps.cpp), on the proxies of actors.links.
Operation run_link_step(std::size_t index, const Step& step, Actors& actors, History& history);

// Modality steps (modality_steps.cpp): modality.acquire, sut.study and reports sent as DICOM.
Operation run_acquire(std::size_t index, const Step& step, const ModalityAcquire& action, Actors& actors,
                      History& history);
Operation run_sut_study(std::size_t index, const Step& step, const SutStudy& action, Actors& actors,
                        SystemUnderTest& system, History& history);
Operation run_dicom_report(std::size_t index, const Step& step, const RisReport& action, Actors& actors,
                           History& history);

// load.day (load_step.cpp): the day's work on one worker per modality, then its figures.
Operation run_load_day(std::size_t index, const Step& step, const LoadDay& action, Actors& actors,
                       SystemUnderTest& system, History& history);

// What the simulators sent on their own (the RIS's accessioned orders), into the history as
// hl7_send operations, so the checkers see every message the system was sent.
void record_actor_sends(Actors& actors, History& history);

// The ground truth of a report the RIS signs on `order`: the patient the scenario ordered for,
// the RIS's accession, the status and (empty: not to be compared) the text signed.
nlohmann::json report_truth(const Actors& actors, const ris::HeldOrder& order, const std::string& status,
                            const std::string& text, bool addendum);

// Polls `done` until it holds or `within` passes.
bool eventually(std::chrono::milliseconds within, const std::function<bool()>& done);

}  // namespace radloop::harness
