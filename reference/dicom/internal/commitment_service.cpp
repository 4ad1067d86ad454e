// Storage Commitment (push model, PS3.4 Annex J) on an accepted association: the N-ACTION is
// judged against the durable index and answered, and the report goes back on this association or
// is handed to the reporter for a new one, kept first so that it survives a restart.
#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmnet/diutil.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "reference/dicom/internal/association_handler.hpp"
#include "reference/dicom/internal/dcmtk_runtime.hpp"
#include "reference/dicom/internal/storage_commitment.hpp"

namespace radloop::dicom::internal {

// PS3.4 J.3: the N-ACTION is answered at once; the report says, per instance, whether it is held
// durably now (the catalog, and the file still on disk). It goes back on this association right
// away, or on a new one to the requester, as configured.
OFCondition AssociationHandler::handle_commitment(T_DIMSE_N_ActionRQ& request, T_ASC_PresentationContextID context) {
  const Uint16 action_type = request.ActionTypeID;
  // DCMTK aborts the association on an N-ACTION without a data set; answering is kinder and
  // tells the peer why (0x0120 below).
  ReceivedDataset received;
  if (auto cond = receive_dataset(request.DataSetType, context, received); cond.bad()) return cond;
  const auto& information = received.dataset;
  const OFString sop_class = request.RequestedSOPClassUID;
  const OFString sop_instance = request.RequestedSOPInstanceUID;
  const auto refuse = [&](Uint16 status, const std::string& why) {
    spdlog::warn("dicom: storage commitment from {} answered {:#06x}: {}", calling_ae_, status, why);
    emit(AssociationEvent::Kind::storage_commitment, fmt::format("refused with {:#06x}: {}", status, why));
    return sendACTIONResponse(context, request.MessageID, sop_class, sop_instance, status);
  };
  if (sop_class != UID_StorageCommitmentPushModelSOPClass) {
    return refuse(STATUS_N_NoSuchSOPClass, "N-ACTION for " + uid_text(sop_class.c_str()) + " is not served");
  }
  if (sop_instance != UID_StorageCommitmentPushModelSOPInstance) {
    return refuse(STATUS_N_NoSuchSOPInstance, std::string("the Requested SOP Instance UID must be the well-known ") +
                                                  UID_StorageCommitmentPushModelSOPInstance);
  }
  if (action_type != 1) return refuse(STATUS_N_NoSuchAction, fmt::format("Action Type ID {} is not 1", action_type));
  if (received.refused) return refuse(STATUS_N_ProcessingFailure, received.refused->detail);
  const auto parsed = parse_commitment_request(information.get());
  if (parsed.status != 0) return refuse(parsed.status, parsed.error);

  const auto report = judge_commitment(parsed, store_.catalog(), config_.indexed_instance);
  if (config_.commitment_reply == ServerConfig::CommitmentReply::new_association) {
    const auto& peers = config_.commitment_peers;
    const auto peer =
        std::find_if(peers.begin(), peers.end(), [&](const auto& p) { return p.ae_title == calling_ae_; });
    if (peer == peers.end()) {
      count_commitment(report);
      if (auto cond = sendACTIONResponse(context, request.MessageID, sop_class, sop_instance, STATUS_Success);
          cond.bad())
        return cond;
      emit(AssociationEvent::Kind::storage_commitment,
           summarize(report) + "; not reported: no address is configured for \"" + calling_ae_ + "\"");
      return EC_Normal;
    }
    // The report is owed from the moment the N-ACTION is answered: kept first, so that a crash
    // after the answer does not lose it.
    OwedReport owed{0, *peer, report, wall_clock_ms()};
    if (config_.commitment_sink.keep) {
      Result<std::int64_t> kept = Error{Errc::internal, "storage commitment", "not kept"};
      try {
        kept = config_.commitment_sink.keep(owed);
      } catch (const std::exception& e) {
        kept = Error{Errc::internal, "storage commitment", e.what()};
      }
      if (!kept) return refuse(STATUS_N_ProcessingFailure, "the report could not be kept: " + kept.error().message());
      owed.id = *kept;
    }
    count_commitment(report);
    if (auto cond = sendACTIONResponse(context, request.MessageID, sop_class, sop_instance, STATUS_Success);
        cond.bad()) {
      // Kept all the same: the requester may have read the answer before the connection broke.
      post_report(std::move(owed));
      return cond;
    }
    post_report(std::move(owed));
    return EC_Normal;
  }
  count_commitment(report);
  if (auto cond = sendACTIONResponse(context, request.MessageID, sop_class, sop_instance, STATUS_Success); cond.bad())
    return cond;
  auto dataset = report_dataset(report, config_.ae_title);
  Uint16 status = 0;
  const auto sent = sendEVENTREPORTRequest(context, UID_StorageCommitmentPushModelSOPInstance, assoc_->nextMsgID++,
                                           report.event_type_id(), dataset.get(), status);
  if (sent.good() && status == STATUS_Success) ++counters_.commitment_reports_sent;
  emit(AssociationEvent::Kind::storage_commitment,
       summarize(report) + (sent.good() ? fmt::format("; reported on the same association, answered {:#06x}", status)
                                        : "; the report could not be sent: " + describe(sent)));
  return sent;
}

void AssociationHandler::count_commitment(const CommitmentReport& report) {
  ++counters_.commitment_requests;
  counters_.commitment_failed_refs += report.failed.size();
}

// The outcome arrives on the reporter's thread, possibly after this association ended.
void AssociationHandler::post_report(OwedReport owed) {
  AssociationEvent event{AssociationEvent::Kind::storage_commitment, calling_ae_, called_ae_, peer_,
                         summarize(owed.report)};
  reporter_.post(std::move(owed), report_outcome(observer_, counters_, std::move(event)));
}

CommitmentReporter::Outcome report_outcome(const EventObserver& observer, ServiceCounters& counters,
                                           AssociationEvent event) {
  return [observer, event = std::move(event), counters = &counters](bool delivered, const std::string& detail) mutable {
    if (delivered) ++counters->commitment_reports_sent;
    event.reason += "; " + detail;
    notify(observer, event);
  };
}

}  // namespace radloop::dicom::internal
