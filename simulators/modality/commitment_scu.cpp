// Storage Commitment requester on DCMTK's DcmSCU, with a DcmSCP listener for reports that come
// back on a new association (see the header). Reports are read by the archive's own reader.
#include "simulators/modality/commitment_scu.hpp"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <dcmtk/dcmnet/scp.h>
#include <dcmtk/dcmnet/scu.h>
#include <fmt/format.h>

#include <array>
#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "reference/dicom/internal/dcmtk_runtime.hpp"
#include "reference/dicom/internal/storage_commitment.hpp"
#include "simulators/modality/internal/association.hpp"

namespace radloop::modality {
namespace {

std::unique_ptr<DcmDataset> action_information(const std::string& transaction_uid,
                                               const std::vector<dicom::SopReference>& instances) {
  auto dataset = std::make_unique<DcmDataset>();
  dataset->putAndInsertString(DCM_TransactionUID, transaction_uid.c_str());
  for (const auto& ref : instances) {
    DcmItem* item = nullptr;
    if (dataset->findOrCreateSequenceItem(DCM_ReferencedSOPSequence, item, -2).bad()) continue;
    item->putAndInsertString(DCM_ReferencedSOPClassUID, ref.sop_class_uid.c_str());
    item->putAndInsertString(DCM_ReferencedSOPInstanceUID, ref.sop_instance_uid.c_str());
  }
  return dataset;
}

constexpr Uint32 kSilentCaller = 5;  // seconds

// Accepts the archive's association (it proposes the SCP role for Storage Commitment) and takes
// the first N-EVENT-REPORT of our transaction (of any, when none is named); stops once it has one
// or the deadline passed.
class ReportListener : public DcmSCP {
 public:
  ReportListener(const std::string& ae_title, std::uint16_t port, std::string transaction_uid,
                 std::chrono::steady_clock::time_point deadline)
      : transaction_uid_(std::move(transaction_uid)), deadline_(deadline) {
    setAETitle(ae_title);
    setPort(port);
    setConnectionBlockingMode(DUL_NOBLOCK);
    setConnectionTimeout(1);  // wake each second to look at the deadline
    // A caller that goes silent is dropped after a few seconds (a report is a few hundred bytes),
    // so it cannot hold the listener much past its deadline.
    setACSETimeout(kSilentCaller);
    setDIMSETimeout(kSilentCaller);
    setDIMSEBlockingMode(DIMSE_NONBLOCKING);
    setHostLookupEnabled(OFFalse);
    setRespondWithCalledAETitle(OFFalse);
    OFList<OFString> syntaxes;
    syntaxes.emplace_back(UID_LittleEndianExplicitTransferSyntax);
    syntaxes.emplace_back(UID_LittleEndianImplicitTransferSyntax);
    addPresentationContext(UID_StorageCommitmentPushModelSOPClass, syntaxes, ASC_SC_ROLE_SCP);
    addPresentationContext(UID_VerificationSOPClass, syntaxes);
  }

  std::optional<std::pair<Uint16, dicom::CommitmentReport>> take() {
    std::lock_guard lock(mutex_);
    return result_;
  }

 protected:
  OFCondition handleIncomingCommand(T_DIMSE_Message* message, const DcmPresentationContextInfo& info) override {
    if (message->CommandField != DIMSE_N_EVENT_REPORT_RQ) return DcmSCP::handleIncomingCommand(message, info);
    DcmDataset* raw = nullptr;
    Uint16 event_type = 0;
    const auto cond =
        handleEVENTREPORTRequest(message->msg.NEventReportRQ, info.presentationContextID, raw, event_type);
    const std::unique_ptr<DcmDataset> dataset(raw);
    if (cond.good() && dataset) {
      auto report = dicom::internal::read_report_dataset(*dataset);
      if (report.ok() && (transaction_uid_.empty() || report->transaction_uid == transaction_uid_)) {
        std::lock_guard lock(mutex_);
        result_.emplace(event_type, std::move(report).value());
        done_ = true;
      }
    }
    return cond;
  }
  // The answer the archive hears: success only for a report taken. One of another transaction
  // is not ours to take: 0x0110 (processing failure) leaves it owed, so the archive tries again;
  // one that does not read is refused as an invalid argument value (0x0115).
  Uint16 checkEVENTREPORTRequest(T_DIMSE_N_EventReportRQ& /*request*/, DcmDataset* dataset) override {
    if (dataset == nullptr) return STATUS_N_InvalidArgumentValue;
    auto report = dicom::internal::read_report_dataset(*dataset);
    if (!report.ok()) return STATUS_N_InvalidArgumentValue;
    if (!transaction_uid_.empty() && report->transaction_uid != transaction_uid_) return STATUS_N_ProcessingFailure;
    return STATUS_Success;
  }
  // The deadline is looked at after each association too: an archive calling again and again
  // would otherwise keep the listener from ever idling long enough to look.
  OFBool stopAfterCurrentAssociation() override {
    return done_ || std::chrono::steady_clock::now() >= deadline_ ? OFTrue : OFFalse;
  }
  OFBool stopAfterConnectionTimeout() override {
    return done_ || std::chrono::steady_clock::now() >= deadline_ ? OFTrue : OFFalse;
  }

 private:
  std::string transaction_uid_;
  std::chrono::steady_clock::time_point deadline_;
  std::mutex mutex_;
  std::optional<std::pair<Uint16, dicom::CommitmentReport>> result_;
  std::atomic<bool> done_{false};
};

}  // namespace

Result<std::optional<ReceivedReport>> await_commitment_report(const ReportWait& wait) {
  dicom::internal::ensure_dcmtk_ready();
  ReportListener listener(wait.ae_title, wait.port, wait.transaction_uid,
                          std::chrono::steady_clock::now() + wait.timeout);
  if (auto cond = listener.openListenPort(); cond.bad()) {
    return Error{Errc::bind_failed, fmt::format("port {}", wait.port), cond.text()};
  }
  (void)listener.acceptAssociations();
  auto got = listener.take();
  if (!got) return std::optional<ReceivedReport>();
  return std::optional<ReceivedReport>(ReceivedReport{got->first, std::move(got->second)});
}

Result<CommitmentOutcome> request_commitment(const CommitmentRequest& request) {
  const auto& target = request.target;
  const auto where = internal::describe(target, "storage commitment");
  dicom::internal::ensure_dcmtk_ready();  // before the listener exists, so it too sets TCP_NODELAY
  std::string transaction = request.transaction_uid;
  if (transaction.empty()) {
    std::array<char, 65> buffer{};
    transaction = dcmGenerateUniqueIdentifier(buffer.data(), SITE_INSTANCE_UID_ROOT);
  }
  const auto deadline = std::chrono::steady_clock::now() + target.timeout;

  // Listen before asking: the archive may call back before the N-ACTION response is read.
  std::unique_ptr<ReportListener> listener;
  std::thread listening;
  if (request.listen_port != 0) {
    listener = std::make_unique<ReportListener>(target.calling_ae, request.listen_port, transaction, deadline);
    if (auto cond = listener->openListenPort(); cond.bad()) {
      return Error{Errc::bind_failed, fmt::format("port {}", request.listen_port), cond.text()};
    }
    listening = std::thread([&listener] { listener->acceptAssociations(); });
  }
  // Whatever happens below, the listener thread ends by its deadline or its report.
  struct Joiner {
    std::thread& thread;
    ~Joiner() {
      if (thread.joinable()) thread.join();
    }
  } joiner{listening};

  DcmSCU scu;
  internal::configure(scu, target);
  OFList<OFString> syntaxes;
  syntaxes.emplace_back(UID_LittleEndianExplicitTransferSyntax);
  syntaxes.emplace_back(UID_LittleEndianImplicitTransferSyntax);
  scu.addPresentationContext(UID_StorageCommitmentPushModelSOPClass, syntaxes);
  if (auto opened = internal::open(scu, where); !opened) return opened.error();
  const auto context = scu.findPresentationContextID(UID_StorageCommitmentPushModelSOPClass, "");
  if (context == 0) {
    scu.releaseAssociation();
    return Error{Errc::dicom_no_presentation_context, where, "the archive does not offer Storage Commitment"};
  }
  CommitmentOutcome outcome;
  auto information = action_information(transaction, request.instances);
  if (auto cond = scu.sendACTIONRequest(context, UID_StorageCommitmentPushModelSOPInstance, 1, information.get(),
                                        outcome.action_status);
      cond.bad()) {
    scu.abortAssociation();
    return Error{Errc::dicom_dimse_failed, where, cond.text()};
  }
  if (outcome.action_status != 0 || listener) {
    scu.releaseAssociation();
    if (listener && outcome.action_status == 0) {
      listening.join();
      if (auto got = listener->take()) {
        outcome.reported = true;
        outcome.event_type_id = got->first;
        outcome.report = std::move(got->second);
      }
    }
    return outcome;
  }
  const auto remaining = std::chrono::duration_cast<std::chrono::seconds>(deadline - std::chrono::steady_clock::now());
  DcmDataset* raw = nullptr;
  Uint16 event_type = 0;
  const auto cond =
      scu.handleEVENTREPORTRequest(raw, event_type, static_cast<int>(std::max<long>(1, remaining.count())));
  const std::unique_ptr<DcmDataset> dataset(raw);
  auto report = cond.good() && dataset
                    ? dicom::internal::read_report_dataset(*dataset)
                    : Result<dicom::CommitmentReport>(Error{Errc::reply_timeout, where, cond.text()});
  if (report.ok()) {
    outcome.reported = true;
    outcome.event_type_id = event_type;
    outcome.report = std::move(report).value();
    scu.releaseAssociation();
  } else {
    scu.abortAssociation();  // nothing came; the archive may still be holding the association
  }
  return outcome;
}

}  // namespace radloop::modality
