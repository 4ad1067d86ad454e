// One accepted association, run to its end on a service thread: DCMTK's DcmThreadSCP with
// radloop's policy (exact called AE title) and every step reported as an AssociationEvent.
// The MPPS handlers are in mpps_service.cpp.
#pragma once

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmnet/scpthrd.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "reference/dicom/events.hpp"
#include "reference/dicom/internal/bounded_receive.hpp"
#include "reference/dicom/internal/commitment_reporter.hpp"
#include "reference/dicom/internal/instance_store.hpp"
#include "reference/dicom/internal/storage_contexts.hpp"
#include "reference/dicom/mpps.hpp"
#include "reference/dicom/server.hpp"

namespace radloop::dicom::internal {

struct ServiceCounters {
  std::atomic<std::uint64_t> associations_accepted{0};
  std::atomic<std::uint64_t> associations_rejected{0};
  std::atomic<std::uint64_t> associations_cut{0};
  std::atomic<std::uint64_t> echoes_answered{0};
  std::atomic<std::uint64_t> contexts_rejected{0};
  std::atomic<std::uint64_t> worklist_queries{0};
  std::atomic<std::uint64_t> worklist_matches{0};
  std::atomic<std::uint64_t> commitment_requests{0};
  std::atomic<std::uint64_t> commitment_failed_refs{0};
  std::atomic<std::uint64_t> commitment_reports_sent{0};
  std::atomic<std::uint64_t> queries{0};
  std::atomic<std::uint64_t> mpps_created{0};
  std::atomic<std::uint64_t> mpps_updated{0};
  std::atomic<std::uint64_t> mpps_refused{0};
  std::atomic<std::uint64_t> datasets_refused{0};  // over a limit or unreadable, before parsing
  std::atomic<std::uint64_t> pdu_refusals{0};      // associations the PDU guard ended
  std::atomic<std::uint64_t> connections_closed{0};
};

// A status detail carrying Error Comment (0000,0902, at most 64 characters) and, when given,
// Error ID (0000,0903).
std::unique_ptr<DcmDataset> error_comment(const std::string& text, Uint16 error_id = 0);

class AssociationHandler : public DcmThreadSCP {
 public:
  AssociationHandler(const ServerConfig& config, const StorageContexts& storage_contexts, const EventObserver& observer,
                     ServiceCounters& counters, InstanceStore& store, CommitmentReporter& reporter, MppsRegistry& mpps,
                     T_ASC_Association* assoc)
      : config_(config),
        storage_contexts_(storage_contexts),
        ae_title_(config.ae_title),
        allowed_(config.allowed_callers),
        observer_(observer),
        counters_(counters),
        store_(store),
        reporter_(reporter),
        mpps_(mpps),
        assoc_(assoc) {}

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
  OFCondition negotiateAssociation() override;
  OFCondition handleIncomingCommand(T_DIMSE_Message* message, const DcmPresentationContextInfo& context) override;
  void notifyRECEIVEProgress(unsigned long byte_count) override;

 private:
  void emit(AssociationEvent::Kind kind, std::string reason = {}) const;
  bool report_refusal();
  // One context_rejected event per proposed presentation context the negotiation refused.
  void report_rejected_contexts();
  OFCondition dispatch(T_DIMSE_Message* message, const DcmPresentationContextInfo& context);
  OFCondition handle_store(T_DIMSE_C_StoreRQ& request, T_ASC_PresentationContextID context);
  OFCondition handle_find(T_DIMSE_C_FindRQ& request, T_ASC_PresentationContextID context);
  // One pending C-FIND response per reply `next` yields (null: no more), then the final one:
  // success, or 0xFE00 when a C-CANCEL came between two responses.
  struct FindOutcome {
    OFCondition condition;
    std::uint64_t sent = 0;
    bool cancelled = false;
  };
  FindOutcome send_matches(T_DIMSE_C_FindRQ& request, T_ASC_PresentationContextID context,
                           const std::function<std::unique_ptr<DcmDataset>()>& next);
  OFCondition handle_stored_query(T_DIMSE_C_FindRQ& request, T_ASC_PresentationContextID context);
  OFCondition handle_commitment(T_DIMSE_N_ActionRQ& request, T_ASC_PresentationContextID context);
  void count_commitment(const CommitmentReport& report);
  void post_report(OwedReport owed);
  OFCondition handle_mpps_create(T_DIMSE_N_CreateRQ& request, T_ASC_PresentationContextID context);
  OFCondition handle_mpps_set(T_DIMSE_N_SetRQ& request, T_ASC_PresentationContextID context);
  // The data set announced with a request: none (null and not refused), parsed, or refused with
  // why (bounded_receive.hpp). A bad condition: the association failed.
  OFCondition receive_dataset(T_DIMSE_DataSetType announced, T_ASC_PresentationContextID context,
                              ReceivedDataset& received);
  // Reports an MPPS outcome to the observers and as an event; `verb` is "N-CREATE" or "N-SET".
  void report_mpps(const char* verb, const std::string& uid, const MppsOutcome& outcome);

  const ServerConfig& config_;
  const StorageContexts& storage_contexts_;
  std::string ae_title_;
  const std::vector<AllowedCaller>& allowed_;
  const EventObserver& observer_;
  ServiceCounters& counters_;
  InstanceStore& store_;
  CommitmentReporter& reporter_;
  MppsRegistry& mpps_;
  T_ASC_Association* assoc_;                 // the one run() is given; read for the negotiation's outcome
  std::unique_ptr<FileDigester> receiving_;  // the C-STORE data set being received, digested as it comes
  std::string calling_ae_;
  std::string called_ae_;
  std::string peer_;
};

// "CT Image Storage (1.2.840.10008.5.1.4.1.1.2)"; a UID DCMTK has no name for stands alone.
std::string uid_text(const char* uid);

// Notifies an observer, logging (not propagating) what it throws.
void notify(const EventObserver& observer, const AssociationEvent& event);

// What becomes of a report handed to the reporter: counted when the requester answered success,
// and told as `event` with the delivery's detail added.
CommitmentReporter::Outcome report_outcome(const EventObserver& observer, ServiceCounters& counters,
                                           AssociationEvent event);

}  // namespace radloop::dicom::internal
