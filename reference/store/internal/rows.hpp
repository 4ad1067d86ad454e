// Rows of the store's tables as records: the column list each query selects, and the reader of
// one result row in that order.
#pragma once

#include "reference/dicom/instance.hpp"
#include "reference/store/internal/sqlite_db.hpp"
#include "reference/store/records.hpp"

namespace radloop::store::internal {

inline constexpr const char* kOrderColumns =
    "SELECT id, placer, filler, accession, patient_mrn, patient_issuer, procedure_code, procedure_system, "
    "procedure_text, modality, scheduled, station_ae, referring, status, study_uid, collision, updated_at FROM orders";
inline constexpr const char* kPatientColumns =
    "SELECT mrn, issuer, name, birth_date, sex, merged_into_mrn, merged_into_issuer, updated_at FROM patient";
inline constexpr const char* kInstanceColumns =
    "SELECT patient_id, issuer, patient_name, birth_date, sex, accession, study_uid, series_uid, sop_uid, sop_class, "
    "modality, study_date, study_time, study_id, study_description, referring, series_number, series_description, "
    "instance_number, transfer_syntax, file_path, size_bytes, digest, calling_ae FROM instance";
inline constexpr const char* kStudyColumns =
    "SELECT study_uid, patient_mrn, patient_issuer, patient_name, accession, modality, study_date, study_time, "
    "description, source, state, reason, order_id, received_at, updated_at FROM study";
inline constexpr const char* kReportColumns =
    "SELECT id, order_id, accession, patient_mrn, patient_issuer, version, status, kind, control_id, body, "
    "received_at FROM report";
inline constexpr const char* kReviewColumns =
    "SELECT id, kind, subject, reason, explanation, evidence, candidates, state, order_id, opened_at, closed_at "
    "FROM review_item";
inline constexpr const char* kOutboxColumns =
    "SELECT seq, destination, control_id, payload, subject, queued_at, next_attempt, attempts, state, last_error, "
    "delivered_at FROM outbox";

OrderRecord order_from(const Stmt& s);
PatientRecord patient_from(const Stmt& s);
StudyRecord study_from(const Stmt& s);
ReportRecord report_from(const Stmt& s);
ReviewRecord review_from(const Stmt& s);
OutboxRecord outbound_from(const Stmt& s);
dicom::InstanceRecord instance_from(const Stmt& s);

}  // namespace radloop::store::internal
