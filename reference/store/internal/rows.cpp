// Reading result rows into records (see rows.hpp).
#include "reference/store/internal/rows.hpp"

namespace radloop::store::internal {

OrderRecord order_from(const Stmt& s) {
  OrderRecord o;
  o.id = s.integer(0);
  o.placer = s.text(1);
  o.filler = s.text(2);
  o.accession = s.text(3);
  o.patient_mrn = s.text(4);
  o.patient_issuer = s.text(5);
  o.procedure_code = s.text(6);
  o.procedure_system = s.text(7);
  o.procedure_text = s.text(8);
  o.modality = s.text(9);
  o.scheduled = s.text(10);
  o.station_ae = s.text(11);
  o.referring = s.text(12);
  o.status = s.text(13);
  o.study_uid = s.text(14);
  o.collision = s.integer(15) != 0;
  o.updated_at = s.integer(16);
  return o;
}

PatientRecord patient_from(const Stmt& s) {
  return PatientRecord{s.text(0), s.text(1), s.text(2), s.text(3), s.text(4), s.text(5), s.text(6), s.integer(7)};
}

dicom::InstanceRecord instance_from(const Stmt& s) {
  dicom::InstanceRecord r;
  r.patient_id = s.text(0);
  r.issuer_of_patient_id = s.text(1);
  r.patient_name = s.text(2);
  r.patient_birth_date = s.text(3);
  r.patient_sex = s.text(4);
  r.accession_number = s.text(5);
  r.study_instance_uid = s.text(6);
  r.series_instance_uid = s.text(7);
  r.sop_instance_uid = s.text(8);
  r.sop_class_uid = s.text(9);
  r.modality = s.text(10);
  r.study_date = s.text(11);
  r.study_time = s.text(12);
  r.study_id = s.text(13);
  r.study_description = s.text(14);
  r.referring_physician = s.text(15);
  r.series_number = s.text(16);
  r.series_description = s.text(17);
  r.instance_number = s.text(18);
  r.transfer_syntax_uid = s.text(19);
  r.file_path = s.text(20);
  r.size_bytes = static_cast<std::uint64_t>(s.integer(21));
  r.dataset_digest = s.text(22);
  r.calling_ae = s.text(23);
  return r;
}

StudyRecord study_from(const Stmt& s) {
  StudyRecord r;
  r.study_uid = s.text(0);
  r.patient_mrn = s.text(1);
  r.patient_issuer = s.text(2);
  r.patient_name = s.text(3);
  r.accession = s.text(4);
  r.modality = s.text(5);
  r.study_date = s.text(6);
  r.study_time = s.text(7);
  r.description = s.text(8);
  r.source = s.text(9);
  r.state = study_state_from(s.text(10)).value_or(StudyRecord::State::pending);
  r.reason = s.text(11);
  r.order_id = s.integer(12);
  r.received_at = s.integer(13);
  r.updated_at = s.integer(14);
  return r;
}

ReportRecord report_from(const Stmt& s) {
  return ReportRecord{s.integer(0), s.integer(1), s.text(2), s.text(3), s.text(4),    static_cast<int>(s.integer(5)),
                      s.text(6),    s.text(7),    s.text(8), s.text(9), s.integer(10)};
}

ReviewRecord review_from(const Stmt& s) {
  ReviewRecord r;
  r.id = s.integer(0);
  r.kind = s.text(1);
  r.subject = s.text(2);
  r.reason = s.text(3);
  r.explanation = s.text(4);
  r.evidence = s.text(5);
  r.candidates = s.text(6);
  r.state = review_state_from(s.text(7)).value_or(ReviewRecord::State::open);
  r.order_id = s.text(8);
  r.opened_at = s.integer(9);
  r.closed_at = s.integer(10);
  return r;
}

OutboxRecord outbound_from(const Stmt& s) {
  OutboxRecord r;
  r.sequence = s.integer(0);
  r.destination = s.text(1);
  r.control_id = s.text(2);
  r.payload = s.text(3);
  r.subject = s.text(4);
  r.queued_at = s.integer(5);
  r.next_attempt = s.integer(6);
  r.attempts = static_cast<int>(s.integer(7));
  const auto state = s.text(8);
  r.state = state == "delivered" ? OutboxRecord::State::delivered
            : state == "dead"    ? OutboxRecord::State::dead
                                 : OutboxRecord::State::queued;
  r.last_error = s.text(9);
  r.delivered_at = s.integer(10);
  return r;
}

}  // namespace radloop::store::internal
