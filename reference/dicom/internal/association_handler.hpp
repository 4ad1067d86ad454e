// One accepted association, run to its end on a service thread: DCMTK's DcmThreadSCP with
// radloop's policy (exact called AE title) and every step reported as an AssociationEvent.
#pragma once

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmnet/scpthrd.h>

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "reference/dicom/events.hpp"
#include "reference/dicom/server.hpp"

namespace radloop::dicom::internal {

struct ServiceCounters {
  std::atomic<std::uint64_t> associations_accepted{0};
  std::atomic<std::uint64_t> associations_rejected{0};
  std::atomic<std::uint64_t> echoes_answered{0};
};

class AssociationHandler : public DcmThreadSCP {
 public:
  AssociationHandler(const ServerConfig& config, const EventObserver& observer, ServiceCounters& counters)
      : ae_title_(config.ae_title), allowed_(config.allowed_callers), observer_(observer), counters_(counters) {}

 protected:
  void notifyAssociationRequest(const T_ASC_Parameters& params, DcmSCPActionType& action) override;
  OFBool checkCalledAETitleAccepted(const OFString& called_ae) override;
  OFBool checkCallingAETitleAccepted(const OFString& calling_ae) override;
  OFBool checkCallingHostAccepted(const OFString& host) override;
  void refuseAssociation(DcmRefuseReasonType reason) override;
  void notifyAssociationAcknowledge() override;
  OFCondition handleECHORequest(T_DIMSE_C_EchoRQ& request, T_ASC_PresentationContextID context) override;
  void notifyReleaseRequest() override;
  void notifyAbortRequest() override;
  void notifyDIMSEError(const OFCondition& condition) override;

 private:
  void emit(AssociationEvent::Kind kind, std::string reason = {}) const;

  std::string ae_title_;
  const std::vector<AllowedCaller>& allowed_;
  const EventObserver& observer_;
  ServiceCounters& counters_;
  std::string calling_ae_;
  std::string called_ae_;
  std::string peer_;
};

// Notifies an observer, logging (not propagating) what it throws.
void notify(const EventObserver& observer, const AssociationEvent& event);

}  // namespace radloop::dicom::internal
