// The reference pipeline as one object: its listeners, its store, its flows and deliveries.
// The daemon and the in-process harness both run this.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "reference/core/result.hpp"
#include "reference/dicom/server.hpp"
#include "reference/mllp/server.hpp"
#include "reference/pipeline/delivery.hpp"
#include "reference/pipeline/flows.hpp"
#include "reference/pipeline/landing.hpp"
#include "reference/pipeline/outbox.hpp"
#include "reference/pipeline/raw_retention.hpp"
#include "reference/store/sqlite_store.hpp"

namespace radloop::pipeline {

struct PipelineConfig {
  std::string store_path = ":memory:";
  store::StoreOptions store;  // a size limit for the store file
  mllp::ServerConfig mllp;
  dicom::ServerConfig dicom;
  dicom::EventObserver dicom_observer;  // optional: who else wants the association events
  FlowConfig flows;
  OutboxPolicy outbox;
  std::chrono::minutes delivery_deadline{30};        // a report delivered later than this after sign-off is late
  std::chrono::milliseconds sweep_interval{1000};    // how often waiting studies and reports are looked at
  std::chrono::milliseconds alert_interval{30'000};  // how often late deliveries and orphans are looked for
  RawRetention raw_retention;                        // how long and how much of the raw HL7 the log keeps
};

struct PipelineStats {
  std::uint64_t hl7_accepted = 0;    // ACKed AA: durably logged and applied (duplicates included)
  std::uint64_t hl7_duplicates = 0;  // ACKed AA again, applied once
  std::uint64_t hl7_rejected = 0;    // ACKed AR: unreadable
  std::uint64_t hl7_errors = 0;      // ACKed AE: could not be kept
  std::uint64_t hl7_invalid = 0;     // ACKed AE: kept, but its structure is broken (ERR says where)
  std::uint64_t hl7_refused = 0;     // ACKed AE: kept, but it cannot be applied (ERR says why)
  // ACKed AR (ERR-3 205): a used control ID with other content; kept as refused, not applied.
  std::uint64_t hl7_control_id_reused = 0;
  // Raw payloads the retention dropped since the start, and what the last pass left.
  std::uint64_t raw_pruned_by_age = 0;
  std::uint64_t raw_pruned_by_size = 0;
  std::uint64_t raw_retained_bytes = 0;
  std::uint64_t instances_indexed = 0;
  std::uint64_t index_failures = 0;  // C-STORE answered with a failure because the index could not commit
  mllp::ServerStats mllp;
  dicom::ServerStats dicom;
  DeliveryStats ris;
  DeliveryStats ehr;
  store::StoreStats store;
};

class Pipeline {
 public:
  static Result<std::unique_ptr<Pipeline>> start(PipelineConfig config);
  ~Pipeline();
  Pipeline(const Pipeline&) = delete;
  Pipeline& operator=(const Pipeline&) = delete;

  [[nodiscard]] std::uint16_t mllp_port() const { return mllp_->port(); }
  [[nodiscard]] std::uint16_t dicom_port() const { return dicom_->port(); }
  [[nodiscard]] const std::string& ae_title() const { return config_.dicom.ae_title; }
  [[nodiscard]] const PipelineConfig& config() const { return config_; }
  [[nodiscard]] PipelineStats stats() const;
  [[nodiscard]] store::Store& store() { return *store_; }

  // A person's decision on a review item; delivery is woken for what it re-sends.
  Result<store::ReviewRecord> resolve(const Resolution& resolution);
  // Dead letters sent again: the one with this sequence, or (none given) every dead letter, for
  // one destination ("ris", "ehr") or all (""). Each is queued again under its own control ID,
  // audited with the actor, and its destination's delivery woken. Returns what was queued.
  Result<std::vector<store::OutboxRecord>> retry_outbound(std::optional<std::int64_t> sequence,
                                                          const std::string& destination, const std::string& actor);
  // Sends what waited longer than the pending window to review now (the sweeper does it periodically).
  Result<void> sweep();
  // Late deliveries and orphan studies, from the landing stages the store keeps.
  Result<std::vector<LandingAlert>> alerts();
  // The landing stages of one accession as the tracker's JSON timeline; not_found when unknown.
  Result<nlohmann::json> landing(const std::string& accession);

  // STOW-RS: a Part 10 file stored and indexed exactly as a C-STORE of it would be.
  dicom::StoreOutcome store_instance(std::string_view part10, const std::string& source) {
    return dicom_->store_part10(part10, source);
  }
  // The performed procedure steps the DICOM service holds (those kept from earlier runs included).
  [[nodiscard]] std::vector<dicom::PerformedProcedureStep> performed_steps() const { return dicom_->performed_steps(); }

  void stop();

 private:
  explicit Pipeline(PipelineConfig config) : config_(std::move(config)), context_(config_.flows) {}
  std::string on_hl7(const mllp::InboundMessage& message);
  Result<void> on_instance(const dicom::InstanceRecord& instance);
  Result<void> on_performed_step(const dicom::PerformedProcedureStep& step);
  void wake_deliveries();
  void run_sweeper();
  // Logs each late delivery and orphan study once (a warning a log watcher can alert on).
  void announce_alerts();
  void retain_raw_payloads();
  Result<void> load_landings(LandingTracker& tracker, const std::vector<std::string>& accessions);

  PipelineConfig config_;
  FlowContext context_;
  std::unique_ptr<store::SqliteStore> store_;
  std::vector<std::unique_ptr<Delivery>> deliveries_;
  std::unique_ptr<dicom::Server> dicom_;
  std::unique_ptr<mllp::Server> mllp_;
  std::atomic<std::uint64_t> ack_sequence_{0};
  std::atomic<std::uint64_t> accepted_{0}, duplicates_{0}, rejected_{0}, errors_{0}, invalid_{0}, refused_{0},
      reused_{0};
  std::atomic<std::uint64_t> indexed_{0}, index_failures_{0};
  std::atomic<std::uint64_t> raw_pruned_by_age_{0}, raw_pruned_by_size_{0}, raw_retained_bytes_{0};

  std::mutex sweeper_mutex_;
  std::condition_variable sweeper_wake_;
  bool stopping_ = false;
  Clock::time_point next_alert_check_{};
  Clock::time_point next_retention_{};
  RawRetainer raw_retainer_{config_.raw_retention};  // used by the sweeper thread only
  std::set<std::string> announced_;                  // used by the sweeper thread only
  std::thread sweeper_;
};

}  // namespace radloop::pipeline
