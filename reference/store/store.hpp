// The durable store behind one interface: what the pipeline has accepted, kept before it ACKs.
// Work is done in units (Tx) that commit together; concurrent units are group-committed, so
// durability costs one flush per batch, not one per message.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "reference/core/result.hpp"
#include "reference/dicom/instance.hpp"
#include "reference/store/records.hpp"

namespace radloop::store {

// One unit of work. Reads see what earlier calls in the same unit wrote. A Tx from Store::read
// refuses writes.
class Tx {
 public:
  virtual ~Tx() = default;
  Tx() = default;
  Tx(const Tx&) = delete;
  Tx& operator=(const Tx&) = delete;

  // The inbound log. The same sender + control ID twice is logged once and reported as a duplicate.
  virtual Result<LoggedMessage> log_inbound(const InboundMessage& message) = 0;
  virtual Result<void> set_inbound_outcome(std::int64_t id, const std::string& outcome) = 0;
  virtual Result<std::optional<InboundMessage>> find_inbound(const std::string& sender,
                                                             const std::string& control_id) = 0;
  // How many messages from this sender (MSH-3^MSH-4) are kept.
  virtual Result<std::int64_t> count_inbound_from(const std::string& sender) = 0;
  // How many records this one message is kept as: 0, 1, or more when a resend was kept again
  // (only the keep_duplicates defect does that, under "<control ID>~again<n>").
  virtual Result<std::int64_t> count_inbound_records(const std::string& sender, const std::string& control_id) = 0;
  // Drops the raw payload of messages received before `received_before` (ISO 8601 UTC as the log
  // writes it; empty: none by age), then of the oldest until the payloads kept total at most
  // `max_bytes` (0: no cap). Sender, control ID, type, outcome and digest stay. Only payloads with
  // a digest are dropped or counted: without one the payload is the only way to tell a resend.
  virtual Result<RawPruning> prune_inbound_raw(const std::string& received_before, std::uint64_t max_bytes) = 0;
  // Gives up to `limit` messages logged without a digest (before schema version 5) the one
  // `digest_of` makes of their payload; returns how many it gave one.
  virtual Result<std::int64_t> fill_inbound_digests(const std::function<std::string(std::string_view raw)>& digest_of,
                                                    int limit) = 0;

  // Patients, keyed by MRN + issuer. put_patient inserts or replaces the demographics.
  virtual Result<void> put_patient(const PatientRecord& patient) = 0;
  virtual Result<std::optional<PatientRecord>> find_patient(const std::string& mrn, const std::string& issuer) = 0;
  virtual Result<std::vector<PatientRecord>> patients(const std::string& mrn, const std::string& name_prefix,
                                                      int limit) = 0;
  // A40: the merged identifier's orders, studies and reports move to the survivor.
  virtual Result<MergeCounts> merge_patient(const PatientRecord& merged, const PatientRecord& survivor) = 0;

  // Orders. put_order inserts (id 0, and the ID is set) or updates; a status change adds history.
  virtual Result<void> put_order(OrderRecord& order, const std::string& detail) = 0;
  virtual Result<std::optional<OrderRecord>> find_order(std::int64_t id) = 0;
  virtual Result<std::vector<OrderRecord>> orders(const OrderFilter& filter) = 0;
  virtual Result<std::vector<OrderHistoryRecord>> order_history(std::int64_t id) = 0;

  // Images. put_instance returns false when the SOP Instance UID was already indexed.
  virtual Result<bool> put_instance(const dicom::InstanceRecord& instance) = 0;
  virtual Result<std::vector<dicom::InstanceRecord>> instances(const std::string& study_uid,
                                                               const std::string& series_uid,
                                                               const std::string& sop_uid) = 0;
  virtual Result<void> put_study(const StudyRecord& study) = 0;
  // Performed procedure steps, one row per SOP Instance UID (replaced on each change), so that a
  // step created before a restart can still be set after it.
  virtual Result<void> put_performed_step(const PerformedStepRecord& step) = 0;
  virtual Result<std::vector<PerformedStepRecord>> performed_steps() = 0;
  virtual Result<std::vector<StudyRecord>> studies(const StudyFilter& filter) = 0;
  // Storage Commitment reports owed on new associations: kept (id 0: inserted, id set), settled
  // once answered or given up, and those still owed read back at start; settled ones are
  // forgotten once settled before `before`.
  virtual Result<void> put_commitment_report(CommitmentReportRecord& report) = 0;
  virtual Result<void> settle_commitment_report(std::int64_t id, const std::string& state, const std::string& outcome,
                                                Millis at) = 0;
  virtual Result<std::vector<CommitmentReportRecord>> owed_commitment_reports() = 0;
  virtual Result<void> forget_settled_commitment_reports(Millis before) = 0;

  // Reports, one row per version. put_report inserts (id 0: ID and version are set) or updates.
  virtual Result<void> put_report(ReportRecord& report) = 0;
  virtual Result<std::vector<ReportRecord>> reports(const ReportFilter& filter) = 0;

  // The review queue and the audit log of every manual action.
  virtual Result<void> put_review(ReviewRecord& item) = 0;
  virtual Result<std::optional<ReviewRecord>> find_review(std::int64_t id) = 0;
  virtual Result<std::vector<ReviewRecord>> reviews(std::optional<ReviewRecord::State> state,
                                                    const std::string& subject, int limit) = 0;
  virtual Result<void> add_audit(const AuditRecord& entry) = 0;
  virtual Result<std::vector<AuditRecord>> audit(const std::string& subject, int limit) = 0;

  // The outbox. put_outbound inserts (sequence 0: it is set) or updates.
  virtual Result<void> put_outbound(OutboxRecord& message) = 0;
  virtual Result<std::vector<OutboxRecord>> outbound(const OutboxFilter& filter) = 0;

  // The landing stages of an accession; the earliest time of each stage is kept.
  virtual Result<void> mark_landing(const std::string& accession, const std::string& stage, Millis at) = 0;
  virtual Result<std::vector<LandingRecord>> landing(const std::string& accession) = 0;
  virtual Result<std::vector<std::string>> landing_accessions(int limit) = 0;

  virtual Result<StoreCounts> counts() = 0;
};

using Work = std::function<Result<void>(Tx&)>;

class Store {
 public:
  virtual ~Store() = default;
  Store() = default;
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // Runs `work` in a transaction and returns once it is durable (or failed). When work fails,
  // nothing it wrote is kept and its error is returned. Work from concurrent callers shares
  // one commit. Work must not call back into the store.
  virtual Result<void> write(Work work) = 0;
  // Runs `work` over a consistent view; writes are refused.
  virtual Result<void> read(Work work) = 0;

  // Writes (or reads) `work` and hands back what it produced.
  template <typename T, typename F>
  Result<T> write_value(F&& work) {
    return value_of<T>(&Store::write, std::forward<F>(work));
  }
  template <typename T, typename F>
  Result<T> read_value(F&& work) {
    return value_of<T>(&Store::read, std::forward<F>(work));
  }

  // The inbound log on its own (each call its own unit).
  Result<LoggedMessage> log_inbound(const InboundMessage& message) {
    return write_value<LoggedMessage>([&](Tx& tx) { return tx.log_inbound(message); });
  }
  Result<std::optional<InboundMessage>> find_inbound(const std::string& sender, const std::string& control_id) {
    return read_value<std::optional<InboundMessage>>([&](Tx& tx) { return tx.find_inbound(sender, control_id); });
  }
  Result<std::int64_t> count_inbound() {
    return read_value<std::int64_t>([](Tx& tx) -> Result<std::int64_t> {
      auto c = tx.counts();
      if (!c) return c.error();
      return c->inbound;
    });
  }

 private:
  template <typename T, typename F>
  Result<T> value_of(Result<void> (Store::*run)(Work), F&& work) {
    std::optional<T> out;
    auto done = (this->*run)([&](Tx& tx) -> Result<void> {
      auto r = work(tx);
      if (!r) return r.error();
      out = std::move(r).value();
      return {};
    });
    if (!done) return done.error();
    return std::move(*out);
  }
};

}  // namespace radloop::store
