// MPPS on an association (PS3.4 F.7.2): N-CREATE and N-SET read, judged by the registry's
// state rules, reported as events and to the observer, and answered with their status.
#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <dcmtk/dcmnet/dimse.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <array>
#include <memory>

#include "reference/dicom/internal/association_handler.hpp"
#include "reference/dicom/internal/mpps_dataset.hpp"

namespace radloop::dicom::internal {

namespace {

std::unique_ptr<DcmDataset> status_detail(const MppsOutcome& outcome) {
  if (outcome.status == 0) return nullptr;
  return error_comment(outcome.error_comment, outcome.error_id);
}

// N-CREATE-RSP and N-SET-RSP have the same fields; neither carries an attribute list back.
template <typename Response>
void fill_response(Response& rsp, DIC_US message_id, const char* sop_class, const std::string& sop_instance,
                   Uint16 status) {
  rsp.MessageIDBeingRespondedTo = message_id;
  rsp.DimseStatus = status;
  rsp.DataSetType = DIMSE_DATASET_NULL;
  OFStandard::strlcpy(rsp.AffectedSOPClassUID, sop_class, sizeof rsp.AffectedSOPClassUID);
  OFStandard::strlcpy(rsp.AffectedSOPInstanceUID, sop_instance.c_str(), sizeof rsp.AffectedSOPInstanceUID);
}

// "2 series, 3 instances; series 1.2.3: 1 (1.2.3.1); series 1.2.4: 2 (1.2.4.1, 1.2.4.2)". Each
// series lists its first instance UIDs; the observer gets them all.
std::string performed(const PerformedProcedureStep& step) {
  constexpr std::size_t kListed = 20;
  std::string text = fmt::format("{} series, {} instances", step.series.size(), step.instance_count());
  for (const auto& series : step.series) {
    text += fmt::format("; series {}: {}", series.series_instance_uid, series.instances.size());
    for (std::size_t i = 0; i < series.instances.size() && i < kListed; ++i) {
      text += i == 0 ? " (" : ", ";
      text += series.instances[i].sop_instance_uid;
    }
    if (series.instances.size() > kListed) text += fmt::format(", and {} more", series.instances.size() - kListed);
    if (!series.instances.empty()) text += ")";
  }
  return text;
}

}  // namespace

void AssociationHandler::report_mpps(const char* verb, const std::string& uid, const MppsOutcome& outcome) {
  if (outcome.status != 0) {
    ++counters_.mpps_refused;
    spdlog::warn("dicom: MPPS {} of {} from {} answered {:#06x}: {}", verb, uid, calling_ae_, outcome.status,
                 outcome.error_comment);
    emit(AssociationEvent::Kind::mpps,
         fmt::format("{} of {} refused with {:#06x}: {}", verb, uid, outcome.status, outcome.error_comment));
    return;
  }
  const auto& step = *outcome.step;
  std::string change(to_string(step.status));
  if (outcome.previous) change = std::string(to_string(*outcome.previous)) + " -> " + change;
  std::string why = step.discontinuation_reason.empty() ? "" : " (" + step.discontinuation_reason + ")";
  emit(AssociationEvent::Kind::mpps,
       fmt::format("{} of {}: {}{}; PPS ID {}, accession {}, patient {}; {}", verb, uid, change, why,
                   step.performed_procedure_step_id, step.accession_number, step.patient_id, performed(step)));
  if (!config_.mpps_observer) return;
  try {
    config_.mpps_observer(step);
  } catch (const std::exception& e) {
    spdlog::error("dicom: the MPPS observer failed on {}: {}", uid, e.what());
  }
}

// PS3.4 F.7.2.1: the step is created IN PROGRESS; without an Affected SOP Instance UID in the
// request the archive gives it one and says which in the response.
OFCondition AssociationHandler::handle_mpps_create(T_DIMSE_N_CreateRQ& request, T_ASC_PresentationContextID context) {
  ReceivedDataset attributes;
  if (auto cond = receive_dataset(request.DataSetType, context, attributes); cond.bad()) return cond;
  std::string uid;
  if ((request.opts & O_NCREATE_AFFECTEDSOPINSTANCEUID) != 0U) uid = request.AffectedSOPInstanceUID;
  if (uid.empty()) {
    std::array<char, 65> buffer{};
    uid = dcmGenerateUniqueIdentifier(buffer.data(), SITE_INSTANCE_UID_ROOT);
  }
  MppsOutcome outcome;
  if (OFString(request.AffectedSOPClassUID) != kMppsSopClassUid.data()) {
    outcome.status = STATUS_N_NoSuchSOPClass;
    outcome.error_comment = std::string("N-CREATE for ") + uid_text(request.AffectedSOPClassUID) + " is not served";
  } else if (attributes.refused) {
    outcome.status = STATUS_N_ProcessingFailure;
    outcome.error_comment = attributes.refused->detail;
  } else {
    auto parsed = parse_mpps_create(attributes.dataset.get());
    if (parsed.status != 0) {
      outcome.status = parsed.status;
      outcome.error_comment = parsed.error;
    } else {
      parsed.step.sop_instance_uid = uid;
      parsed.step.calling_ae = calling_ae_;
      outcome = mpps_.create(std::move(parsed.step), parsed.requested_status, config_.mpps_sink);
    }
  }
  if (outcome.status == 0) ++counters_.mpps_created;
  report_mpps("N-CREATE", uid, outcome);

  T_DIMSE_Message response{};
  response.CommandField = DIMSE_N_CREATE_RSP;
  fill_response(response.msg.NCreateRSP, request.MessageID, request.AffectedSOPClassUID, uid, outcome.status);
  response.msg.NCreateRSP.opts = O_NCREATE_AFFECTEDSOPCLASSUID | O_NCREATE_AFFECTEDSOPINSTANCEUID;
  const auto detail = status_detail(outcome);
  return sendDIMSEMessage(context, &response, nullptr, detail.get());
}

// PS3.4 F.7.2.2: changes while IN PROGRESS; COMPLETED and DISCONTINUED are final.
OFCondition AssociationHandler::handle_mpps_set(T_DIMSE_N_SetRQ& request, T_ASC_PresentationContextID context) {
  ReceivedDataset modifications;
  if (auto cond = receive_dataset(request.DataSetType, context, modifications); cond.bad()) return cond;
  const std::string uid = request.RequestedSOPInstanceUID;
  MppsOutcome outcome;
  if (OFString(request.RequestedSOPClassUID) != kMppsSopClassUid.data()) {
    outcome.status = STATUS_N_NoSuchSOPClass;
    outcome.error_comment = std::string("N-SET for ") + uid_text(request.RequestedSOPClassUID) + " is not served";
  } else if (modifications.refused) {
    outcome.status = STATUS_N_ProcessingFailure;
    outcome.error_comment = modifications.refused->detail;
  } else if (!modifications.dataset) {
    outcome.status = STATUS_N_MissingAttribute;
    outcome.error_comment = "the N-SET carries no modification list";
  } else {
    outcome = mpps_.set(uid, parse_mpps_set(*modifications.dataset), config_.mpps_sink);
  }
  if (outcome.status == 0) ++counters_.mpps_updated;
  report_mpps("N-SET", uid, outcome);

  T_DIMSE_Message response{};
  response.CommandField = DIMSE_N_SET_RSP;
  fill_response(response.msg.NSetRSP, request.MessageID, request.RequestedSOPClassUID, uid, outcome.status);
  response.msg.NSetRSP.opts = O_NSET_AFFECTEDSOPCLASSUID | O_NSET_AFFECTEDSOPINSTANCEUID;
  const auto detail = status_detail(outcome);
  return sendDIMSEMessage(context, &response, nullptr, detail.get());
}

}  // namespace radloop::dicom::internal
