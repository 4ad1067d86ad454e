// Association policy and event reporting on top of DcmThreadSCP.
#include "reference/dicom/internal/association_handler.hpp"

#include <dcmtk/dcmdata/dcuid.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <memory>

#include "reference/dicom/internal/dcmtk_runtime.hpp"
#include "reference/dicom/internal/guarded_connection.hpp"
#include "reference/dicom/internal/storage_commitment.hpp"
#include "reference/dicom/internal/stored_query.hpp"
#include "reference/dicom/internal/worklist_identifier.hpp"

namespace radloop::dicom::internal {
namespace {

std::string_view refuse_reason(DcmRefuseReasonType reason) {
  switch (reason) {
    case DCMSCP_TOO_MANY_ASSOCIATIONS: return "too many associations";
    case DCMSCP_CANNOT_FORK: return "cannot start a handler";
    case DCMSCP_BAD_APPLICATION_CONTEXT_NAME: return "application context name not supported";
    case DCMSCP_CALLING_HOST_NOT_ALLOWED: return "calling host not allowed";
    case DCMSCP_CALLED_AE_TITLE_NOT_RECOGNIZED: return "called AE title not recognized";
    case DCMSCP_CALLING_AE_TITLE_NOT_RECOGNIZED: return "calling AE title not allowed";
    case DCMSCP_FORCED: return "refused by configuration";
    case DCMSCP_NO_IMPLEMENTATION_CLASS_UID: return "no implementation class UID";
    case DCMSCP_NO_PRESENTATION_CONTEXTS: return "no acceptable presentation context";
    case DCMSCP_INTERNAL_ERROR: return "internal error";
  }
  return "unknown reason";
}

std::string_view context_result(T_ASC_P_ResultReason result) {
  switch (result) {
    case ASC_P_ACCEPTANCE: return "accepted";
    case ASC_P_USERREJECTION: return "rejected by the user";
    case ASC_P_NOREASON: return "rejected, no reason given";
    case ASC_P_ABSTRACTSYNTAXNOTSUPPORTED: return "abstract syntax not supported";
    case ASC_P_TRANSFERSYNTAXESNOTSUPPORTED: return "no proposed transfer syntax is accepted";
    case ASC_P_NOTYETNEGOTIATED: return "not negotiated";
  }
  return "rejected";
}

constexpr Uint16 kOutOfResources = 0xA700;
constexpr Uint16 kSopClassNotSupported = 0x0122;
constexpr Uint16 kResponderFailed = 0xC211;
constexpr Uint16 kUnableToProcess = 0xC000;
constexpr Uint16 kPending = 0xFF00;
constexpr Uint16 kCancelled = 0xFE00;

}  // namespace

// "CT Image Storage (1.2.840.10008.5.1.4.1.1.2)"; a UID DCMTK has no name for stands alone.
std::string uid_text(const char* uid) {
  const char* name = dcmFindNameOfUID(uid, nullptr);
  return name == nullptr ? std::string(uid) : std::string(name) + " (" + uid + ")";
}

std::unique_ptr<DcmDataset> error_comment(const std::string& text, Uint16 error_id) {
  auto detail = std::make_unique<DcmDataset>();
  detail->putAndInsertString(DcmTagKey(0x0000, 0x0902), text.substr(0, 64).c_str());
  if (error_id != 0) detail->putAndInsertUint16(DcmTagKey(0x0000, 0x0903), error_id);
  return detail;
}

OFCondition AssociationHandler::receive_dataset(T_DIMSE_DataSetType announced, T_ASC_PresentationContextID context,
                                                ReceivedDataset& received) {
  if (announced == DIMSE_DATASET_NULL) return EC_Normal;
  const auto cond = receive_bounded(assoc_, context, getDIMSEBlockingMode(), static_cast<int>(getDIMSETimeout()),
                                    config_.dataset_limits, received);
  if (cond.good() && received.refused) {
    ++counters_.datasets_refused;
    // The reason first: a peer's log shows only the first 64 characters of the Error Comment.
    auto& refused = *received.refused;
    refused.detail += " (" + refused.where + ", refused before parsing)";
  }
  return cond;
}

void notify(const EventObserver& observer, const AssociationEvent& event) {
  if (!observer) return;
  try {
    observer(event);
  } catch (const std::exception& e) {
    spdlog::error("dicom: an event observer failed on '{}': {}", to_string(event.kind), e.what());
  }
}

void AssociationHandler::emit(AssociationEvent::Kind kind, std::string reason) const {
  notify(observer_, AssociationEvent{kind, calling_ae_, called_ae_, peer_, std::move(reason)});
}

void AssociationHandler::notifyAssociationRequest(const T_ASC_Parameters& params, DcmSCPActionType& action) {
  calling_ae_ = params.DULparams.callingAPTitle;
  called_ae_ = params.DULparams.calledAPTitle;
  peer_ = params.DULparams.callingPresentationAddress;
  DcmThreadSCP::notifyAssociationRequest(params, action);
}

// Real devices compare AE titles byte for byte; "radloop" is not "RADLOOP".
OFBool AssociationHandler::checkCalledAETitleAccepted(const OFString& called_ae) {
  if (config_.called_ae_any_case) {
    const std::string asked = called_ae.c_str();
    return asked.size() == ae_title_.size() && std::equal(asked.begin(), asked.end(), ae_title_.begin(),
                                                          [](char a, char b) {
                                                            return std::toupper(static_cast<unsigned char>(a)) ==
                                                                   std::toupper(static_cast<unsigned char>(b));
                                                          })
               ? OFTrue
               : OFFalse;
  }
  return called_ae.c_str() == ae_title_ ? OFTrue : OFFalse;
}

OFBool AssociationHandler::checkCallingAETitleAccepted(const OFString& calling_ae) {
  if (allowed_.empty()) return OFTrue;
  return std::any_of(allowed_.begin(), allowed_.end(),
                     [&](const AllowedCaller& a) { return a.ae_title == calling_ae.c_str(); })
             ? OFTrue
             : OFFalse;
}

// DcmSCP asks about the host before the calling AE. An AE that is not on the list at all is left
// to checkCallingAETitleAccepted, so its rejection names the AE; here only a known AE calling
// from a host it may not use is refused.
OFBool AssociationHandler::checkCallingHostAccepted(const OFString& /*host*/) {
  bool known = false;
  for (const auto& a : allowed_) {
    if (a.ae_title != calling_ae_) continue;
    known = true;
    // The requestor's address as the network saw it (host lookup is off: an IP address).
    if (a.host.empty() || a.host == peer_) return OFTrue;
  }
  return known ? OFFalse : OFTrue;
}

void AssociationHandler::refuseAssociation(DcmRefuseReasonType reason) {
  if (reason == DCMSCP_NO_PRESENTATION_CONTEXTS) report_rejected_contexts();
  ++counters_.associations_rejected;
  std::string why(refuse_reason(reason));
  if (reason == DCMSCP_CALLED_AE_TITLE_NOT_RECOGNIZED)
    why += " (\"" + called_ae_ + "\", expected \"" + ae_title_ + "\")";
  if (reason == DCMSCP_CALLING_AE_TITLE_NOT_RECOGNIZED) why += " (\"" + calling_ae_ + "\" is not on the allow-list)";
  if (reason == DCMSCP_CALLING_HOST_NOT_ALLOWED) why += " (\"" + calling_ae_ + "\" may not call from " + peer_ + ")";
  spdlog::warn("dicom: rejected association {} -> {} from {}: {}", calling_ae_, called_ae_, peer_, why);
  emit(AssociationEvent::Kind::rejected, why);
  DcmThreadSCP::refuseAssociation(reason);
}

void AssociationHandler::notifyAssociationAcknowledge() {
  ++counters_.associations_accepted;
  emit(AssociationEvent::Kind::accepted);
  report_rejected_contexts();
}

// A modality whose storage context is refused may still get the association (for Verification,
// say), then sends nothing and logs little: the study "appears to send but never arrives".
void AssociationHandler::report_rejected_contexts() {
  if (assoc_ == nullptr || assoc_->params == nullptr) return;
  const int count = ASC_countPresentationContexts(assoc_->params);
  for (int i = 0; i < count; ++i) {
    T_ASC_PresentationContext pc{};
    if (ASC_getPresentationContext(assoc_->params, i, &pc).bad() || pc.resultReason == ASC_P_ACCEPTANCE) continue;
    ++counters_.contexts_rejected;
    std::string proposed;
    for (int t = 0; t < pc.transferSyntaxCount; ++t) {
      if (t > 0) proposed += ", ";
      proposed += uid_text(pc.proposedTransferSyntaxes[t]);
    }
    std::string why = "presentation context " + std::to_string(pc.presentationContextID) + " " +
                      std::string(context_result(pc.resultReason)) + ": " + uid_text(pc.abstractSyntax) +
                      " proposed with " + proposed;
    spdlog::warn("dicom: {} -> {} from {}: {}", calling_ae_, called_ae_, peer_, why);
    emit(AssociationEvent::Kind::context_rejected, std::move(why));
  }
}

OFCondition AssociationHandler::handleECHORequest(T_DIMSE_C_EchoRQ& request, T_ASC_PresentationContextID context) {
  auto result = DcmThreadSCP::handleECHORequest(request, context);
  if (result.good()) {
    ++counters_.echoes_answered;
    emit(AssociationEvent::Kind::echo);
  }
  return result;
}

// Verification and the other services come from the shared configuration; storage is negotiated
// here because a DCMTK profile holds at most 128 contexts, fewer than the storage classes.
OFCondition AssociationHandler::negotiateAssociation() {
  auto cond = DcmThreadSCP::negotiateAssociation();
  if (cond.bad() || assoc_ == nullptr) return cond;
  return storage_contexts_.negotiate(*assoc_->params);
}

// Nothing a request does may end the process: what escapes a handler is logged and the association
// is aborted (the peer sees an A-ABORT rather than a silence), and the server keeps serving.
OFCondition AssociationHandler::handleIncomingCommand(T_DIMSE_Message* message,
                                                      const DcmPresentationContextInfo& context) {
  try {
    return dispatch(message, context);
  } catch (const std::exception& e) {
    spdlog::error("dicom: a request from {} failed: {}; the association is aborted", calling_ae_, e.what());
    emit(AssociationEvent::Kind::aborted, std::string("internal error: ") + e.what());
  } catch (...) {
    spdlog::error("dicom: a request from {} failed; the association is aborted", calling_ae_);
    emit(AssociationEvent::Kind::aborted, "internal error");
  }
  return makeOFCondition(OFM_dcmnet, 0xC211, OF_error, "the request failed inside the server");
}

OFCondition AssociationHandler::dispatch(T_DIMSE_Message* message, const DcmPresentationContextInfo& context) {
  if (message->CommandField == DIMSE_C_STORE_RQ)
    return handle_store(message->msg.CStoreRQ, context.presentationContextID);
  if (message->CommandField == DIMSE_C_FIND_RQ) {
    const OFString sop_class = message->msg.CFindRQ.AffectedSOPClassUID;
    if (sop_class == UID_FINDPatientRootQueryRetrieveInformationModel ||
        sop_class == UID_FINDStudyRootQueryRetrieveInformationModel) {
      return handle_stored_query(message->msg.CFindRQ, context.presentationContextID);
    }
    return handle_find(message->msg.CFindRQ, context.presentationContextID);
  }
  if (message->CommandField == DIMSE_N_ACTION_RQ) {
    return handle_commitment(message->msg.NActionRQ, context.presentationContextID);
  }
  if (message->CommandField == DIMSE_N_CREATE_RQ) {
    return handle_mpps_create(message->msg.NCreateRQ, context.presentationContextID);
  }
  if (message->CommandField == DIMSE_N_SET_RQ)
    return handle_mpps_set(message->msg.NSetRQ, context.presentationContextID);
  return DcmThreadSCP::handleIncomingCommand(message, context);
}

// The data set goes straight to a file (never whole in memory); the response waits until the
// instance is durable and indexed, or says why it is not.
OFCondition AssociationHandler::handle_store(T_DIMSE_C_StoreRQ& request, T_ASC_PresentationContextID context) {
  if (!store_.enabled()) {
    // Read to the end and dropped unparsed, so the association stays usable for the answer.
    if (request.DataSetType == DIMSE_DATASET_NULL) return DIMSE_BADMESSAGE;
    auto discard = config_.dataset_limits;
    discard.max_in_memory_bytes = 0;
    ReceivedDataset ignored;
    const auto received =
        receive_bounded(assoc_, context, getDIMSEBlockingMode(), static_cast<int>(getDIMSETimeout()), discard, ignored);
    if (received.bad()) return received;
    ++store_.failures;
    emit(AssociationEvent::Kind::store_failed,
         std::string("no storage directory is configured; refused ") + request.AffectedSOPInstanceUID);
    return sendSTOREResponse(context, request, kOutOfResources);
  }
  const auto temp = store_.temp_path();
  receiving_ = std::make_unique<FileDigester>(temp);
  const auto received = receiveSTORERequest(request, context, OFString(temp.c_str()));
  const std::unique_ptr<FileDigester> digester = std::move(receiving_);
  if (received.bad()) {
    std::error_code ignored;
    std::filesystem::remove(temp, ignored);
    ++store_.failures;
    emit(AssociationEvent::Kind::store_failed,
         std::string("transfer of ") + request.AffectedSOPInstanceUID + " broke off: " + describe(received));
    return received;
  }
  auto reply =
      store_.commit(temp, request.AffectedSOPClassUID, request.AffectedSOPInstanceUID, calling_ae_, digester.get());
  if (reply.conflict) {
    emit(AssociationEvent::Kind::instance_conflict, reply.detail);
  } else if (reply.status != 0) {
    spdlog::warn("dicom: C-STORE of {} from {} answered {:#06x}: {}", request.AffectedSOPInstanceUID, calling_ae_,
                 reply.status, reply.detail);
    emit(AssociationEvent::Kind::store_failed, reply.detail);
  }
  // A failure says why in the Error Comment, so the sender's log shows it.
  const auto detail = reply.status != 0 && !reply.conflict ? error_comment(reply.detail) : nullptr;
  return sendSTOREResponse(context, request.MessageID, request.AffectedSOPClassUID, request.AffectedSOPInstanceUID,
                           reply.status, detail.get());
}

// One pending response per matching order, then success (see send_matches). A query that cannot
// be evaluated is refused with a failure status.
OFCondition AssociationHandler::handle_find(T_DIMSE_C_FindRQ& request, T_ASC_PresentationContextID context) {
  ReceivedDataset received;
  if (auto cond = receive_dataset(request.DataSetType, context, received); cond.bad()) return cond;
  const auto& identifier = received.dataset;
  ++counters_.worklist_queries;
  const OFString sop_class = request.AffectedSOPClassUID;
  const auto refuse = [&](Uint16 status, const std::string& why) {
    spdlog::warn("dicom: worklist query from {} answered {:#06x}: {}", calling_ae_, status, why);
    emit(AssociationEvent::Kind::worklist_query, fmt::format("refused with {:#06x}: {}", status, why));
    const auto detail = error_comment(why);
    return sendFINDResponse(context, request.MessageID, sop_class, nullptr, status, detail.get());
  };
  if (received.refused) return refuse(kUnableToProcess, received.refused->detail);
  if (!config_.order_source || sop_class != UID_FINDModalityWorklistInformationModel || !identifier) {
    return refuse(kSopClassNotSupported, std::string("C-FIND for ") + uid_text(sop_class.c_str()) + " is not served");
  }
  const auto parsed = parse_worklist_query(*identifier);
  if (parsed.status != 0) return refuse(parsed.status, parsed.error);
  std::vector<WorklistItem> orders;
  try {
    orders = config_.order_source->worklist();
  } catch (const std::exception& e) {
    return refuse(kResponderFailed, std::string("the order source failed: ") + e.what());
  }
  auto order = orders.begin();
  const auto found = send_matches(request, context, [&]() -> std::unique_ptr<DcmDataset> {
    order = std::find_if(order, orders.end(), [&](const WorklistItem& o) { return matches(o, parsed.query); });
    if (order == orders.end()) return nullptr;
    return worklist_reply(*identifier, *order++);
  });
  counters_.worklist_matches += found.sent;
  emit(AssociationEvent::Kind::worklist_query,
       fmt::format("keys {}: {} match{}{}", parsed.keys.empty() ? "none (universal)" : parsed.keys, found.sent,
                   found.sent == 1 ? "" : "es", found.cancelled ? ", cancelled by the peer" : ""));
  return found.condition;
}

AssociationHandler::FindOutcome AssociationHandler::send_matches(
    T_DIMSE_C_FindRQ& request, T_ASC_PresentationContextID context,
    const std::function<std::unique_ptr<DcmDataset>()>& next) {
  const OFString sop_class = request.AffectedSOPClassUID;
  FindOutcome outcome;
  while (auto reply = next()) {
    if (checkForCANCEL(context, request.MessageID).good()) {
      outcome.cancelled = true;
      break;
    }
    outcome.condition = sendFINDResponse(context, request.MessageID, sop_class, reply.get(), kPending);
    if (outcome.condition.bad()) return outcome;
    ++outcome.sent;
  }
  outcome.condition =
      sendFINDResponse(context, request.MessageID, sop_class, nullptr, outcome.cancelled ? kCancelled : STATUS_Success);
  return outcome;
}

// Answers from the catalog, so a tester can ask in DICOM whether a study landed. Each reply is
// built as it is sent, as the worklist's are.
OFCondition AssociationHandler::handle_stored_query(T_DIMSE_C_FindRQ& request, T_ASC_PresentationContextID context) {
  ReceivedDataset received;
  if (auto cond = receive_dataset(request.DataSetType, context, received); cond.bad()) return cond;
  const auto& identifier = received.dataset;
  ++counters_.queries;
  const OFString sop_class = request.AffectedSOPClassUID;
  const auto model = sop_class == UID_FINDPatientRootQueryRetrieveInformationModel ? InformationModel::patient_root
                                                                                   : InformationModel::study_root;
  StoredQueryAnswer answer;
  if (received.refused) {
    answer.status = kUnableToProcess;
    answer.error = received.refused->detail;
  } else if (!identifier) {
    answer.status = 0xA900;
    answer.error = "the C-FIND carries no identifier";
  } else {
    answer = answer_stored_query(*identifier, model, store_.catalog().all(), config_.ae_title);
  }
  if (answer.status != 0) {
    spdlog::warn("dicom: query from {} answered {:#06x}: {}", calling_ae_, answer.status, answer.error);
    emit(AssociationEvent::Kind::query, fmt::format("refused with {:#06x}: {}", answer.status, answer.error));
    const auto detail = error_comment(answer.error);
    return sendFINDResponse(context, request.MessageID, sop_class, nullptr, answer.status, detail.get());
  }
  const auto found = send_matches(request, context, answer.next);
  emit(AssociationEvent::Kind::query,
       fmt::format("{} level, keys {}: {} match{}{}", answer.level,
                   answer.keys.empty() ? "none (universal)" : answer.keys, found.sent, found.sent == 1 ? "" : "es",
                   found.cancelled ? ", cancelled by the peer" : ""));
  return found.condition;
}

// Called as each PDV of a data set arrives: the digest takes in what has reached the file, so
// most of the hashing is done by the time the last PDU is in.
void AssociationHandler::notifyRECEIVEProgress(unsigned long byte_count) {
  if (receiving_) receiving_->advance(byte_count);
}

void AssociationHandler::notifyReleaseRequest() { emit(AssociationEvent::Kind::released); }

// The guard's refusal, when it ended the association, is the reason: DCMTK saw only a stream that
// stopped.
bool AssociationHandler::report_refusal() {
  const auto refused = refusal_of(assoc_);
  if (!refused) return false;
  ++counters_.pdu_refusals;
  spdlog::warn("dicom: the association from {} is aborted: {}: {}", calling_ae_, refused->where, refused->detail);
  emit(AssociationEvent::Kind::aborted, "refused: " + refused->where + ": " + refused->detail);
  return true;
}

void AssociationHandler::notifyAbortRequest() {
  if (!report_refusal()) emit(AssociationEvent::Kind::aborted, "aborted by the peer");
}

void AssociationHandler::notifyDIMSEError(const OFCondition& condition) {
  if (!report_refusal()) emit(AssociationEvent::Kind::aborted, describe(condition));
}

}  // namespace radloop::dicom::internal
