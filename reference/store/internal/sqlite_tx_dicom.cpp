// The store's DICOM side over SQLite: the instance index and the performed procedure steps.
#include <sqlite3.h>

#include "reference/store/internal/query.hpp"
#include "reference/store/internal/rows.hpp"
#include "reference/store/internal/sqlite_tx.hpp"

namespace radloop::store::internal {

Result<bool> SqliteTx::put_instance(const dicom::InstanceRecord& r) {
  if (auto w = writable("indexing an instance"); !w) return w.error();
  auto insert = db_.prepare(
      "INSERT INTO instance (patient_id, issuer, patient_name, birth_date, sex, accession, study_uid, series_uid, "
      "sop_uid, sop_class, modality, study_date, study_time, study_id, study_description, referring, series_number, "
      "series_description, instance_number, transfer_syntax, file_path, size_bytes, digest, calling_ae) "
      "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT (sop_uid) DO NOTHING");
  if (!insert) return insert.error();
  insert->bind_all(r.patient_id, r.issuer_of_patient_id, r.patient_name, r.patient_birth_date, r.patient_sex,
                   r.accession_number, r.study_instance_uid, r.series_instance_uid, r.sop_instance_uid, r.sop_class_uid,
                   r.modality, r.study_date, r.study_time, r.study_id, r.study_description, r.referring_physician,
                   r.series_number, r.series_description, r.instance_number, r.transfer_syntax_uid, r.file_path,
                   static_cast<std::int64_t>(r.size_bytes), r.dataset_digest, r.calling_ae);
  if (auto run = db_.run(*insert, "indexing an instance"); !run) return run.error();
  return db_.changes() > 0;
}

Result<std::vector<dicom::InstanceRecord>> SqliteTx::instances(const std::string& study_uid,
                                                               const std::string& series_uid,
                                                               const std::string& sop_uid) {
  Where where;
  where.eq("study_uid", study_uid);
  where.eq("series_uid", series_uid);
  where.eq("sop_uid", sop_uid);
  return collect<dicom::InstanceRecord>(
      db_,
      where.prepare(db_, kInstanceColumns, "ORDER BY series_uid, CAST(instance_number AS INTEGER), sop_uid", 100000),
      instance_from, "listing instances");
}

Result<void> SqliteTx::put_performed_step(const PerformedStepRecord& step) {
  if (auto w = writable("keeping a performed procedure step"); !w) return w;
  auto upsert = db_.prepare(
      "INSERT INTO performed_step (sop_uid, status, accession, body, updated_at) VALUES (?,?,?,?,?) "
      "ON CONFLICT (sop_uid) DO UPDATE SET status = excluded.status, accession = excluded.accession, "
      "body = excluded.body, updated_at = excluded.updated_at");
  if (!upsert) return upsert.error();
  upsert->bind_all(step.sop_instance_uid, step.status, step.accession, step.body, step.updated_at);
  return db_.run(*upsert, "keeping a performed procedure step");
}

Result<std::vector<PerformedStepRecord>> SqliteTx::performed_steps() {
  return collect<PerformedStepRecord>(
      db_, db_.prepare("SELECT sop_uid, status, accession, body, updated_at FROM performed_step ORDER BY updated_at"),
      [](const Stmt& s) {
        return PerformedStepRecord{s.text(0), s.text(1), s.text(2), s.text(3), s.integer(4)};
      },
      "reading the performed procedure steps");
}

Result<void> SqliteTx::put_commitment_report(CommitmentReportRecord& report) {
  if (auto w = writable("keeping a storage commitment report"); !w) return w;
  auto insert = db_.prepare(
      "INSERT INTO commitment_report (transaction_uid, peer_ae, peer_host, peer_port, body, owed_since, state, "
      "outcome, settled_at) VALUES (?,?,?,?,?,?,?,?,?)");
  if (!insert) return insert.error();
  insert->bind_all(report.transaction_uid, report.peer_ae, report.peer_host, report.peer_port, report.body,
                   report.owed_since, report.state, report.outcome, report.settled_at);
  if (auto r = db_.run(*insert, "keeping a storage commitment report"); !r) return r;
  report.id = db_.last_insert_id();
  return {};
}

Result<void> SqliteTx::settle_commitment_report(std::int64_t id, const std::string& state, const std::string& outcome,
                                                Millis at) {
  if (auto w = writable("settling a storage commitment report"); !w) return w;
  auto update = db_.prepare("UPDATE commitment_report SET state = ?, outcome = ?, settled_at = ? WHERE id = ?");
  if (!update) return update.error();
  update->bind_all(state, outcome, at, id);
  if (auto r = db_.run(*update, "settling a storage commitment report"); !r) return r;
  if (db_.changes() == 0) {
    return Error{Errc::store_failed, db_.path(), "no storage commitment report #" + std::to_string(id)};
  }
  return {};
}

Result<void> SqliteTx::forget_settled_commitment_reports(Millis before) {
  if (auto w = writable("forgetting storage commitment reports"); !w) return w;
  auto prune = db_.prepare("DELETE FROM commitment_report WHERE state IN ('answered', 'given_up') AND settled_at < ?");
  if (!prune) return prune.error();
  prune->bind_all(before);
  return db_.run(*prune, "forgetting storage commitment reports");
}

Result<std::vector<CommitmentReportRecord>> SqliteTx::owed_commitment_reports() {
  return collect<CommitmentReportRecord>(
      db_,
      db_.prepare("SELECT id, transaction_uid, peer_ae, peer_host, peer_port, body, owed_since, state, outcome, "
                  "settled_at FROM commitment_report WHERE state = 'owed' ORDER BY id"),
      [](const Stmt& s) {
        return CommitmentReportRecord{s.integer(0), s.text(1),    s.text(2), s.text(3), static_cast<int>(s.integer(4)),
                                      s.text(5),    s.integer(6), s.text(7), s.text(8), s.integer(9)};
      },
      "reading the storage commitment reports owed");
}

}  // namespace radloop::store::internal
