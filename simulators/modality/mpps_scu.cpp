// MPPS N-CREATE / N-SET on DCMTK's DcmSCU (which has no helpers for them): the archive's own
// writers build the data sets, so what we send is what the reference reads.
#include "simulators/modality/mpps_scu.hpp"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <dcmtk/dcmnet/scu.h>
#include <fmt/format.h>

#include <memory>

#include "reference/dicom/internal/mpps_dataset.hpp"
#include "simulators/modality/internal/association.hpp"

namespace radloop::modality {
namespace {

class MppsScu : public DcmSCU {
 public:
  // One request, its response status and comment, on the open association.
  OFCondition exchange(T_DIMSE_Message& request, DcmDataset* dataset, MppsAnswer& answer) {
    const auto context = findPresentationContextID(UID_ModalityPerformedProcedureStepSOPClass, "");
    if (context == 0) return makeOFCondition(0, 1, OF_error, "the archive accepted no MPPS presentation context");
    auto cond = sendDIMSEMessage(context, &request, dataset);
    if (cond.bad()) return cond;
    T_DIMSE_Message response{};
    DcmDataset* detail = nullptr;
    T_ASC_PresentationContextID answered = 0;
    cond = receiveDIMSECommand(&answered, &response, &detail);
    const std::unique_ptr<DcmDataset> owned(detail);
    if (cond.bad()) return cond;
    T_DIMSE_DataSetType attached = DIMSE_DATASET_NULL;
    if (response.CommandField == DIMSE_N_CREATE_RSP) {
      answer.status = response.msg.NCreateRSP.DimseStatus;
      answer.sop_instance_uid = response.msg.NCreateRSP.AffectedSOPInstanceUID;
      attached = response.msg.NCreateRSP.DataSetType;
    } else if (response.CommandField == DIMSE_N_SET_RSP) {
      answer.status = response.msg.NSetRSP.DimseStatus;
      attached = response.msg.NSetRSP.DataSetType;
    } else {
      return makeOFCondition(0, 2, OF_error, "the archive answered with an unexpected command");
    }
    if (attached != DIMSE_DATASET_NULL) {
      DcmDataset* ignored = nullptr;  // an attribute list we did not ask for: read and drop it
      cond = receiveDIMSEDataset(&answered, &ignored);
      delete ignored;  // NOLINT(cppcoreguidelines-owning-memory): DCMTK hands it over
    }
    OFString comment;
    if (owned && owned->findAndGetOFString(DcmTagKey(0x0000, 0x0902), comment).good()) {
      answer.error_comment = comment;
    }
    return cond;
  }
};

Result<MppsAnswer> run(const Target& target, const char* what, T_DIMSE_Message& request, DcmDataset* dataset) {
  const auto where = internal::describe(target, std::string("MPPS ") + what);
  MppsScu scu;
  internal::configure(scu, target);
  OFList<OFString> syntaxes;
  syntaxes.emplace_back(UID_LittleEndianExplicitTransferSyntax);
  syntaxes.emplace_back(UID_LittleEndianImplicitTransferSyntax);
  scu.addPresentationContext(UID_ModalityPerformedProcedureStepSOPClass, syntaxes);
  if (auto opened = internal::open(scu, where); !opened) return opened.error();
  MppsAnswer answer;
  if (auto cond = scu.exchange(request, dataset, answer); cond.bad()) {
    scu.abortAssociation();
    return Error{Errc::dicom_dimse_failed, where, cond.text()};
  }
  scu.releaseAssociation();
  return answer;
}

}  // namespace

dicom::PerformedProcedureStep performed_step(const StudySpec& spec, const std::vector<SynthesizedInstance>& instances) {
  dicom::PerformedProcedureStep step;
  step.sop_instance_uid = derived_uid(spec.seed, "mpps", 0);
  step.patient_id = spec.patient.id;
  step.patient_name = spec.patient.name;
  step.accession_number = spec.order.accession_number;
  step.requested_procedure_id = spec.order.requested_procedure_id;
  step.scheduled_procedure_step_id = spec.order.scheduled_procedure_step_id;
  step.performed_procedure_step_id = "PPS" + std::to_string(spec.seed);
  step.modality = std::string(to_string(spec.modality));
  step.station_ae_title = spec.station_ae_title;
  step.start_date = spec.study_date;
  step.start_time = spec.study_time;
  for (const auto& instance : instances) {
    step.study_instance_uid = instance.study_instance_uid;
    if (step.series.empty() || step.series.back().series_instance_uid != instance.series_instance_uid) {
      step.series.push_back({instance.series_instance_uid, spec.order.study_description, "", {}});
    }
    step.series.back().instances.push_back({instance.sop_class_uid, instance.sop_instance_uid});
  }
  return step;
}

Result<MppsAnswer> mpps_create(const Target& target, const dicom::PerformedProcedureStep& step) {
  auto dataset = dicom::internal::mpps_create_dataset(step);
  T_DIMSE_Message request{};
  request.CommandField = DIMSE_N_CREATE_RQ;
  auto& rq = request.msg.NCreateRQ;
  rq.MessageID = 1;
  rq.DataSetType = DIMSE_DATASET_PRESENT;
  OFStandard::strlcpy(rq.AffectedSOPClassUID, UID_ModalityPerformedProcedureStepSOPClass,
                      sizeof rq.AffectedSOPClassUID);
  if (!step.sop_instance_uid.empty()) {
    OFStandard::strlcpy(rq.AffectedSOPInstanceUID, step.sop_instance_uid.c_str(), sizeof rq.AffectedSOPInstanceUID);
    rq.opts = O_NCREATE_AFFECTEDSOPINSTANCEUID;
  }
  auto answer = run(target, "N-CREATE", request, dataset.get());
  if (answer && answer->sop_instance_uid.empty()) answer->sop_instance_uid = step.sop_instance_uid;
  return answer;
}

Result<MppsAnswer> mpps_set(const Target& target, const dicom::PerformedProcedureStep& step) {
  auto dataset = dicom::internal::mpps_final_set_dataset(step);
  T_DIMSE_Message request{};
  request.CommandField = DIMSE_N_SET_RQ;
  auto& rq = request.msg.NSetRQ;
  rq.MessageID = 1;
  rq.DataSetType = DIMSE_DATASET_PRESENT;
  OFStandard::strlcpy(rq.RequestedSOPClassUID, UID_ModalityPerformedProcedureStepSOPClass,
                      sizeof rq.RequestedSOPClassUID);
  OFStandard::strlcpy(rq.RequestedSOPInstanceUID, step.sop_instance_uid.c_str(), sizeof rq.RequestedSOPInstanceUID);
  auto answer = run(target, "N-SET", request, dataset.get());
  if (answer) answer->sop_instance_uid = step.sop_instance_uid;
  return answer;
}

}  // namespace radloop::modality
