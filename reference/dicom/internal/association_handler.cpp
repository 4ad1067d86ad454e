// Association policy and event reporting on top of DcmThreadSCP.
#include "reference/dicom/internal/association_handler.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "reference/dicom/internal/dcmtk_runtime.hpp"

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

}  // namespace

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
}

OFCondition AssociationHandler::handleECHORequest(T_DIMSE_C_EchoRQ& request, T_ASC_PresentationContextID context) {
  auto result = DcmThreadSCP::handleECHORequest(request, context);
  if (result.good()) {
    ++counters_.echoes_answered;
    emit(AssociationEvent::Kind::echo);
  }
  return result;
}

void AssociationHandler::notifyReleaseRequest() { emit(AssociationEvent::Kind::released); }

void AssociationHandler::notifyAbortRequest() { emit(AssociationEvent::Kind::aborted, "aborted by the peer"); }

void AssociationHandler::notifyDIMSEError(const OFCondition& condition) {
  emit(AssociationEvent::Kind::aborted, describe(condition));
}

}  // namespace radloop::dicom::internal
