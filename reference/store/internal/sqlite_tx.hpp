// The store's unit of work over one SQLite connection. Internal to the SQLite store.
#pragma once

#include "reference/store/internal/sqlite_db.hpp"
#include "reference/store/store.hpp"

namespace radloop::store::internal {

class SqliteTx final : public Tx {
 public:
  SqliteTx(Db& db, bool read_only) : db_(db), read_only_(read_only) {}

  Result<LoggedMessage> log_inbound(const InboundMessage& message) override;
  Result<void> set_inbound_outcome(std::int64_t id, const std::string& outcome) override;
  Result<std::optional<InboundMessage>> find_inbound(const std::string& sender, const std::string& control_id) override;

  Result<std::int64_t> count_inbound_from(const std::string& sender) override;
  Result<std::int64_t> count_inbound_records(const std::string& sender, const std::string& control_id) override;
  Result<RawPruning> prune_inbound_raw(const std::string& received_before, std::uint64_t max_bytes) override;
  Result<std::int64_t> fill_inbound_digests(const std::function<std::string(std::string_view raw)>& digest_of,
                                            int limit) override;
  Result<void> put_patient(const PatientRecord& patient) override;
  Result<std::optional<PatientRecord>> find_patient(const std::string& mrn, const std::string& issuer) override;
  Result<std::vector<PatientRecord>> patients(const std::string& mrn, const std::string& name_prefix,
                                              int limit) override;
  Result<MergeCounts> merge_patient(const PatientRecord& merged, const PatientRecord& survivor) override;

  Result<void> put_order(OrderRecord& order, const std::string& detail) override;
  Result<std::optional<OrderRecord>> find_order(std::int64_t id) override;
  Result<std::vector<OrderRecord>> orders(const OrderFilter& filter) override;
  Result<std::vector<OrderHistoryRecord>> order_history(std::int64_t id) override;

  Result<bool> put_instance(const dicom::InstanceRecord& r) override;
  Result<std::vector<dicom::InstanceRecord>> instances(const std::string& study_uid, const std::string& series_uid,
                                                       const std::string& sop_uid) override;
  Result<void> put_study(const StudyRecord& study) override;
  Result<void> put_performed_step(const PerformedStepRecord& step) override;
  Result<std::vector<PerformedStepRecord>> performed_steps() override;
  Result<std::vector<StudyRecord>> studies(const StudyFilter& filter) override;
  Result<void> put_commitment_report(CommitmentReportRecord& report) override;
  Result<void> settle_commitment_report(std::int64_t id, const std::string& state, const std::string& outcome,
                                        Millis at) override;
  Result<std::vector<CommitmentReportRecord>> owed_commitment_reports() override;
  Result<void> forget_settled_commitment_reports(Millis before) override;

  Result<void> put_report(ReportRecord& report) override;
  Result<std::vector<ReportRecord>> reports(const ReportFilter& filter) override;

  Result<void> put_review(ReviewRecord& item) override;
  Result<std::optional<ReviewRecord>> find_review(std::int64_t id) override;
  Result<std::vector<ReviewRecord>> reviews(std::optional<ReviewRecord::State> state, const std::string& subject,
                                            int limit) override;
  Result<void> add_audit(const AuditRecord& entry) override;
  Result<std::vector<AuditRecord>> audit(const std::string& subject, int limit) override;

  Result<void> put_outbound(OutboxRecord& message) override;
  Result<std::vector<OutboxRecord>> outbound(const OutboxFilter& filter) override;

  Result<void> mark_landing(const std::string& accession, const std::string& stage, Millis at) override;
  Result<std::vector<LandingRecord>> landing(const std::string& accession) override;
  Result<std::vector<std::string>> landing_accessions(int limit) override;

  Result<StoreCounts> counts() override;

 private:
  [[nodiscard]] Result<void> writable(const char* what) const;

  Db& db_;
  bool read_only_;
};

// The schema, one migration per version; never edit one that has shipped, append.
const std::vector<const char*>& migrations();

}  // namespace radloop::store::internal
