// Worklist C-FIND through the shared find user (see the header).
#include "simulators/modality/worklist_scu.hpp"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <fmt/format.h>

#include <array>
#include <utility>

#include "reference/dicom/internal/find_user.hpp"
#include "reference/dicom/internal/item_access.hpp"
#include "simulators/modality/internal/association.hpp"

namespace radloop::modality {
namespace {

DcmDataset identifier(const dicom::WorklistQuery& q) {
  DcmDataset d;
  d.putAndInsertString(DCM_SpecificCharacterSet, "ISO_IR 192");
  const std::array<std::pair<DcmTagKey, const std::string*>, 5> top{
      {{DCM_PatientID, &q.patient_id},
       {DCM_IssuerOfPatientID, &q.issuer_of_patient_id},
       {DCM_PatientName, &q.patient_name},
       {DCM_AccessionNumber, &q.accession_number},
       {DCM_RequestedProcedureID, &q.requested_procedure_id}}};
  for (const auto& [tag, value] : top) d.putAndInsertString(tag, value->c_str());
  for (const auto& tag : {DCM_PatientBirthDate, DCM_PatientSex, DCM_RequestedProcedureDescription, DCM_StudyInstanceUID,
                          DCM_ReferringPhysicianName}) {
    d.insertEmptyElement(tag);
  }
  DcmItem* code = nullptr;
  d.findOrCreateSequenceItem(DCM_RequestedProcedureCodeSequence, code, -2);
  for (const auto& tag : {DCM_CodeValue, DCM_CodingSchemeDesignator, DCM_CodeMeaning}) code->insertEmptyElement(tag);
  DcmItem* step = nullptr;
  d.findOrCreateSequenceItem(DCM_ScheduledProcedureStepSequence, step, -2);
  const std::array<std::pair<DcmTagKey, const std::string*>, 4> step_keys{
      {{DCM_ScheduledStationAETitle, &q.station_ae_title},
       {DCM_Modality, &q.modality},
       {DCM_ScheduledProcedureStepStartDate, &q.start_date},
       {DCM_ScheduledProcedureStepStartTime, &q.start_time}}};
  for (const auto& [tag, value] : step_keys) step->putAndInsertString(tag, value->c_str());
  for (const auto& tag :
       {DCM_ScheduledProcedureStepID, DCM_ScheduledProcedureStepDescription, DCM_ScheduledPerformingPhysicianName,
        DCM_ScheduledStationName, DCM_ScheduledProcedureStepLocation}) {
    step->insertEmptyElement(tag);
  }
  return d;
}

dicom::WorklistItem read_item(DcmDataset& d) {
  // The item's text in its own Specific Character Set (ISO_IR 100 from a European RIS, say),
  // read as UTF-8 like everything else the simulators hold. An item whose set cannot be
  // converted is read as it came, byte for byte.
  (void)d.convertToUTF8();
  dicom::WorklistItem item;
  item.patient_id = dicom::internal::text_of(d, DCM_PatientID);
  item.issuer_of_patient_id = dicom::internal::text_of(d, DCM_IssuerOfPatientID);
  item.patient_name = dicom::internal::text_of(d, DCM_PatientName);
  item.patient_birth_date = dicom::internal::text_of(d, DCM_PatientBirthDate);
  item.patient_sex = dicom::internal::text_of(d, DCM_PatientSex);
  item.accession_number = dicom::internal::text_of(d, DCM_AccessionNumber);
  item.requested_procedure_id = dicom::internal::text_of(d, DCM_RequestedProcedureID);
  item.requested_procedure_description = dicom::internal::text_of(d, DCM_RequestedProcedureDescription);
  item.study_instance_uid = dicom::internal::text_of(d, DCM_StudyInstanceUID);
  item.referring_physician = dicom::internal::text_of(d, DCM_ReferringPhysicianName);
  DcmItem* code = nullptr;
  if (d.findAndGetSequenceItem(DCM_RequestedProcedureCodeSequence, code, 0).good() && code != nullptr) {
    item.requested_procedure_code = {dicom::internal::text_of(*code, DCM_CodeValue),
                                     dicom::internal::text_of(*code, DCM_CodingSchemeDesignator),
                                     dicom::internal::text_of(*code, DCM_CodeMeaning)};
  }
  DcmItem* step = nullptr;
  if (d.findAndGetSequenceItem(DCM_ScheduledProcedureStepSequence, step, 0).good() && step != nullptr) {
    auto& s = item.step;
    s.station_ae_title = dicom::internal::text_of(*step, DCM_ScheduledStationAETitle);
    s.modality = dicom::internal::text_of(*step, DCM_Modality);
    s.start_date = dicom::internal::text_of(*step, DCM_ScheduledProcedureStepStartDate);
    s.start_time = dicom::internal::text_of(*step, DCM_ScheduledProcedureStepStartTime);
    s.step_id = dicom::internal::text_of(*step, DCM_ScheduledProcedureStepID);
    s.description = dicom::internal::text_of(*step, DCM_ScheduledProcedureStepDescription);
    s.performing_physician = dicom::internal::text_of(*step, DCM_ScheduledPerformingPhysicianName);
    s.station_name = dicom::internal::text_of(*step, DCM_ScheduledStationName);
    s.location = dicom::internal::text_of(*step, DCM_ScheduledProcedureStepLocation);
  }
  return item;
}

}  // namespace

Result<std::vector<dicom::WorklistItem>> query_worklist(const Target& target, const dicom::WorklistQuery& keys) {
  // The same requestor as the C-STORE sender and C-ECHO user: a rejection comes back with the
  // peer's reason in words.
  dicom::internal::FindRequest request;
  request.peer = {target.host, target.port, target.calling_ae, target.called_ae, target.timeout, target.max_pdu_bytes};
  request.sop_class = UID_FINDModalityWorklistInformationModel;
  request.service = "Modality Worklist";
  request.where = internal::describe(target, "worklist query");
  request.timeout_seconds = static_cast<int>(target.timeout.count());
  auto query = identifier(keys);
  std::vector<dicom::WorklistItem> items;
  auto done = dicom::internal::find(request, query, [&](DcmDataset& d) { items.push_back(read_item(d)); });
  if (!done) return done.error();
  return items;
}

StudySpec spec_from_worklist(const dicom::WorklistItem& item, StudySpec base) {
  base.patient = {item.patient_id, item.issuer_of_patient_id, item.patient_name, item.patient_birth_date,
                  item.patient_sex};
  base.order.accession_number = item.accession_number;
  base.order.requested_procedure_id = item.requested_procedure_id;
  base.order.study_description = item.requested_procedure_description;
  base.order.scheduled_procedure_step_id = item.step.step_id;
  base.order.referring_physician = item.referring_physician;
  base.study_instance_uid = item.study_instance_uid;
  for (auto m : {Modality::ct, Modality::mr, Modality::cr, Modality::dx, Modality::us, Modality::mg}) {
    if (item.step.modality == to_string(m)) base.modality = m;
  }
  if (!item.step.station_ae_title.empty()) base.station_ae_title = item.step.station_ae_title;
  if (!item.step.start_date.empty()) base.study_date = item.step.start_date;
  if (item.step.start_time.size() >= 6) base.study_time = item.step.start_time.substr(0, 6);
  return base;
}

}  // namespace radloop::modality
