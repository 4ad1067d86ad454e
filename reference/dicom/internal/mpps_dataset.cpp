// Reading and writing MPPS attribute and modification lists (see the header).
#include "reference/dicom/internal/mpps_dataset.hpp"

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcsequen.h>

#include <array>
#include <utility>
#include <vector>

#include "reference/dicom/internal/item_access.hpp"

namespace radloop::dicom::internal {
namespace {

constexpr std::uint16_t kMissingAttribute = 0x0120;
constexpr std::uint16_t kMissingAttributeValue = 0x0121;

std::vector<PerformedSeries> read_series(DcmItem& parent) {
  std::vector<PerformedSeries> out;
  for (auto* item : items_of(parent, DCM_PerformedSeriesSequence)) {
    PerformedSeries series{text_of(*item, DCM_SeriesInstanceUID),
                           text_of(*item, DCM_SeriesDescription),
                           text_of(*item, DCM_PerformingPhysicianName),
                           {}};
    for (const auto& tag : {DCM_ReferencedImageSequence, DCM_ReferencedNonImageCompositeSOPInstanceSequence}) {
      for (auto* ref : items_of(*item, tag)) {
        series.instances.push_back(
            {text_of(*ref, DCM_ReferencedSOPClassUID), text_of(*ref, DCM_ReferencedSOPInstanceUID)});
      }
    }
    out.push_back(std::move(series));
  }
  return out;
}

std::string discontinuation_reason(DcmItem& parent) {
  DcmItem* code = first_item_of(parent, DCM_PerformedProcedureStepDiscontinuationReasonCodeSequence);
  if (code == nullptr) return {};
  auto meaning = text_of(*code, DCM_CodeMeaning);
  return meaning.empty() ? text_of(*code, DCM_CodeValue) : meaning;
}

}  // namespace

ParsedMppsCreate parse_mpps_create(DcmDataset* attributes) {
  ParsedMppsCreate parsed;
  const auto fail = [&](std::uint16_t status, std::string why) {
    parsed.status = status;
    parsed.error = std::move(why);
    return parsed;
  };
  if (attributes == nullptr) return fail(kMissingAttribute, "the N-CREATE carries no attribute list");
  DcmDataset& d = *attributes;
  const std::array<std::pair<DcmTagKey, const char*>, 6> required{
      {{DCM_PerformedProcedureStepStatus, "Performed Procedure Step Status (0040,0252)"},
       {DCM_PerformedProcedureStepID, "Performed Procedure Step ID (0040,0253)"},
       {DCM_PerformedProcedureStepStartDate, "Performed Procedure Step Start Date (0040,0244)"},
       {DCM_PerformedProcedureStepStartTime, "Performed Procedure Step Start Time (0040,0245)"},
       {DCM_PerformedStationAETitle, "Performed Station AE Title (0040,0241)"},
       {DCM_Modality, "Modality (0008,0060)"}}};
  for (const auto& [tag, name] : required) {
    if (!d.tagExists(tag)) return fail(kMissingAttribute, std::string(name) + " is missing");
    if (text_of(d, tag).empty()) return fail(kMissingAttributeValue, std::string(name) + " is empty");
  }
  DcmItem* scheduled = first_item_of(d, DCM_ScheduledStepAttributesSequence);
  if (scheduled == nullptr) {
    return fail(kMissingAttribute, "Scheduled Step Attributes Sequence (0040,0270) is missing or has no item");
  }
  auto& s = parsed.step;
  parsed.requested_status = text_of(d, DCM_PerformedProcedureStepStatus);
  s.patient_id = text_of(d, DCM_PatientID);
  s.patient_name = text_of(d, DCM_PatientName);
  s.accession_number = text_of(*scheduled, DCM_AccessionNumber);
  s.study_instance_uid = text_of(*scheduled, DCM_StudyInstanceUID);
  s.requested_procedure_id = text_of(*scheduled, DCM_RequestedProcedureID);
  s.scheduled_procedure_step_id = text_of(*scheduled, DCM_ScheduledProcedureStepID);
  s.performed_procedure_step_id = text_of(d, DCM_PerformedProcedureStepID);
  s.modality = text_of(d, DCM_Modality);
  s.station_ae_title = text_of(d, DCM_PerformedStationAETitle);
  s.start_date = text_of(d, DCM_PerformedProcedureStepStartDate);
  s.start_time = text_of(d, DCM_PerformedProcedureStepStartTime);
  s.end_date = text_of(d, DCM_PerformedProcedureStepEndDate);
  s.end_time = text_of(d, DCM_PerformedProcedureStepEndTime);
  s.discontinuation_reason = discontinuation_reason(d);
  s.series = read_series(d);
  return parsed;
}

MppsModification parse_mpps_set(DcmDataset& modifications) {
  MppsModification m;
  // Table F.7.2-1: what identifies the patient, the order and the step is fixed at N-CREATE.
  const std::array<std::pair<DcmTagKey, const char*>, 11> fixed{
      {{DCM_PatientID, "Patient ID"},
       {DCM_PatientName, "Patient's Name"},
       {DCM_PatientBirthDate, "Patient's Birth Date"},
       {DCM_PatientSex, "Patient's Sex"},
       {DCM_ScheduledStepAttributesSequence, "Scheduled Step Attributes Sequence"},
       {DCM_PerformedProcedureStepID, "Performed Procedure Step ID"},
       {DCM_PerformedProcedureStepStartDate, "Performed Procedure Step Start Date"},
       {DCM_PerformedProcedureStepStartTime, "Performed Procedure Step Start Time"},
       {DCM_PerformedStationAETitle, "Performed Station AE Title"},
       {DCM_Modality, "Modality"},
       {DCM_StudyID, "Study ID"}}};
  for (const auto& [tag, name] : fixed) {
    if (modifications.tagExists(tag)) m.not_allowed.emplace_back(name);
  }
  if (modifications.tagExists(DCM_PerformedProcedureStepStatus)) {
    m.status = text_of(modifications, DCM_PerformedProcedureStepStatus);
  }
  if (modifications.tagExists(DCM_PerformedProcedureStepEndDate)) {
    m.end_date = text_of(modifications, DCM_PerformedProcedureStepEndDate);
  }
  if (modifications.tagExists(DCM_PerformedProcedureStepEndTime)) {
    m.end_time = text_of(modifications, DCM_PerformedProcedureStepEndTime);
  }
  if (modifications.tagExists(DCM_PerformedProcedureStepDiscontinuationReasonCodeSequence)) {
    m.discontinuation_reason = discontinuation_reason(modifications);
  }
  if (modifications.tagExists(DCM_PerformedSeriesSequence)) m.series = read_series(modifications);
  return m;
}

namespace {

// CID 9300 "Procedure Discontinuation Reasons" (PS3.16): the code whose meaning is the reason,
// or "Discontinued for unspecified reason".
std::pair<const char*, const char*> discontinuation_code(const std::string& reason) {
  static const std::array<std::pair<const char*, const char*>, 16> codes{
      {{"110500", "Doctor canceled procedure"},
       {"110501", "Equipment failure"},
       {"110502", "Incorrect procedure ordered"},
       {"110503", "Patient allergic to media/contrast"},
       {"110504", "Patient died"},
       {"110505", "Patient refused to continue procedure"},
       {"110506", "Patient taken for treatment or surgery"},
       {"110507", "Patient did not arrive"},
       {"110508", "Patient pregnant"},
       {"110509", "Change of procedure for correct charging"},
       {"110510", "Duplicate order"},
       {"110511", "Nursing unit cancel"},
       {"110512", "Incorrect side ordered"},
       {"110514", "Incorrect worklist entry selected"},
       {"110515", "Patient condition prevented continuing"},
       {"110516", "Equipment change"}}};
  for (const auto& code : codes) {
    if (reason == code.second) return code;
  }
  return {"110513", "Discontinued for unspecified reason"};
}

void put_series(DcmItem& parent, const std::vector<PerformedSeries>& all_series) {
  if (all_series.empty()) {
    parent.insertEmptyElement(DCM_PerformedSeriesSequence);
    return;
  }
  for (const auto& series : all_series) {
    DcmItem* item = nullptr;
    if (parent.findOrCreateSequenceItem(DCM_PerformedSeriesSequence, item, -2).bad()) continue;
    item->putAndInsertString(DCM_SeriesInstanceUID, series.series_instance_uid.c_str());
    item->putAndInsertString(DCM_SeriesDescription, series.series_description.c_str());
    item->putAndInsertString(DCM_PerformingPhysicianName, series.performing_physician.c_str());
    item->putAndInsertString(DCM_ProtocolName, "radloop");
    item->putAndInsertString(DCM_RetrieveAETitle, "");
    item->insertEmptyElement(DCM_ReferencedNonImageCompositeSOPInstanceSequence);
    for (const auto& ref : series.instances) {
      DcmItem* image = nullptr;
      if (item->findOrCreateSequenceItem(DCM_ReferencedImageSequence, image, -2).bad()) continue;
      image->putAndInsertString(DCM_ReferencedSOPClassUID, ref.sop_class_uid.c_str());
      image->putAndInsertString(DCM_ReferencedSOPInstanceUID, ref.sop_instance_uid.c_str());
    }
  }
}

}  // namespace

std::unique_ptr<DcmDataset> mpps_create_dataset(const PerformedProcedureStep& step) {
  auto d = std::make_unique<DcmDataset>();
  d->putAndInsertString(DCM_SpecificCharacterSet, "ISO_IR 192");
  d->putAndInsertString(DCM_PatientName, step.patient_name.c_str());
  d->putAndInsertString(DCM_PatientID, step.patient_id.c_str());
  DcmItem* scheduled = nullptr;
  if (d->findOrCreateSequenceItem(DCM_ScheduledStepAttributesSequence, scheduled, -2).good()) {
    scheduled->putAndInsertString(DCM_StudyInstanceUID, step.study_instance_uid.c_str());
    scheduled->putAndInsertString(DCM_AccessionNumber, step.accession_number.c_str());
    scheduled->putAndInsertString(DCM_RequestedProcedureID, step.requested_procedure_id.c_str());
    scheduled->putAndInsertString(DCM_ScheduledProcedureStepID, step.scheduled_procedure_step_id.c_str());
  }
  d->putAndInsertString(DCM_PerformedProcedureStepID, step.performed_procedure_step_id.c_str());
  d->putAndInsertString(DCM_PerformedStationAETitle, step.station_ae_title.c_str());
  d->putAndInsertString(DCM_PerformedProcedureStepStartDate, step.start_date.c_str());
  d->putAndInsertString(DCM_PerformedProcedureStepStartTime, step.start_time.c_str());
  d->putAndInsertString(DCM_PerformedProcedureStepEndDate, "");
  d->putAndInsertString(DCM_PerformedProcedureStepEndTime, "");
  d->putAndInsertString(DCM_PerformedProcedureStepStatus, to_string(step.status).data());
  d->putAndInsertString(DCM_Modality, step.modality.c_str());
  d->putAndInsertString(DCM_StudyID, "");
  put_series(*d, step.series);
  return d;
}

std::unique_ptr<DcmDataset> mpps_final_set_dataset(const PerformedProcedureStep& step) {
  auto d = std::make_unique<DcmDataset>();
  d->putAndInsertString(DCM_PerformedProcedureStepStatus, to_string(step.status).data());
  d->putAndInsertString(DCM_PerformedProcedureStepEndDate, step.end_date.c_str());
  d->putAndInsertString(DCM_PerformedProcedureStepEndTime, step.end_time.c_str());
  if (!step.discontinuation_reason.empty()) {
    DcmItem* code = nullptr;
    if (d->findOrCreateSequenceItem(DCM_PerformedProcedureStepDiscontinuationReasonCodeSequence, code, -2).good()) {
      const auto& [value, meaning] = discontinuation_code(step.discontinuation_reason);
      code->putAndInsertString(DCM_CodeValue, value);
      code->putAndInsertString(DCM_CodingSchemeDesignator, "DCM");
      code->putAndInsertString(DCM_CodeMeaning, meaning);
      // A reason the context group has no code for still travels, as a comment.
      if (step.discontinuation_reason != meaning) {
        d->putAndInsertString(DCM_CommentsOnThePerformedProcedureStep, step.discontinuation_reason.c_str());
      }
    }
  }
  put_series(*d, step.series);
  return d;
}

}  // namespace radloop::dicom::internal
