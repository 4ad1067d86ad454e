// Storage Commitment requests and reports on DCMTK (see the header).
#include "reference/dicom/internal/storage_commitment.hpp"

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcitem.h>
#include <dcmtk/dcmdata/dcsequen.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <dcmtk/dcmnet/dimse.h>
#include <dcmtk/dcmnet/scu.h>
#include <fmt/format.h>

#include <filesystem>

#include "reference/dicom/internal/dcmtk_runtime.hpp"
#include "reference/dicom/internal/item_access.hpp"

namespace radloop::dicom {

std::string describe_commitment_failure(std::uint16_t reason) {
  std::string_view text = "unknown reason";
  switch (reason) {
    case commitment_failure::processing_failure: text = "processing failure"; break;
    case commitment_failure::no_such_object_instance: text = "no such object instance"; break;
    case commitment_failure::resource_limitation: text = "resource limitation"; break;
    case commitment_failure::sop_class_not_supported: text = "referenced SOP class not supported"; break;
    case commitment_failure::class_instance_conflict: text = "class / instance conflict"; break;
    case commitment_failure::duplicate_transaction_uid: text = "duplicate transaction UID"; break;
    default: break;
  }
  return fmt::format("{} ({:#06x})", text, reason);
}

namespace internal {
namespace {

// The items of a sequence, or none when the element is absent or is not a sequence.
void put_reference(DcmItem& item, const SopReference& ref) {
  item.putAndInsertString(DCM_ReferencedSOPClassUID, ref.sop_class_uid.c_str());
  item.putAndInsertString(DCM_ReferencedSOPInstanceUID, ref.sop_instance_uid.c_str());
}

}  // namespace

ParsedCommitmentRequest parse_commitment_request(DcmDataset* action_information) {
  ParsedCommitmentRequest parsed;
  const auto fail = [&](std::uint16_t status, std::string why) {
    parsed.status = status;
    parsed.error = std::move(why);
    return parsed;
  };
  if (action_information == nullptr) return fail(STATUS_N_MissingAttribute, "the N-ACTION carries no data set");
  parsed.transaction_uid = text_of(*action_information, DCM_TransactionUID);
  if (parsed.transaction_uid.empty()) return fail(STATUS_N_MissingAttribute, "Transaction UID (0008,1195) is missing");
  DcmSequenceOfItems* sequence = nullptr;
  if (action_information->findAndGetSequence(DCM_ReferencedSOPSequence, sequence).bad() || sequence == nullptr) {
    return fail(STATUS_N_MissingAttribute, "Referenced SOP Sequence (0008,1199) is missing or not a sequence");
  }
  if (sequence->card() == 0) return fail(STATUS_N_InvalidArgumentValue, "Referenced SOP Sequence (0008,1199) is empty");
  for (auto* item : items_of(*action_information, DCM_ReferencedSOPSequence)) {
    parsed.references.push_back(
        SopReference{text_of(*item, DCM_ReferencedSOPClassUID), text_of(*item, DCM_ReferencedSOPInstanceUID)});
  }
  return parsed;
}

CommitmentReport judge_commitment(const ParsedCommitmentRequest& request, const InstanceCatalog& catalog,
                                  const IndexedInstance& indexed) {
  CommitmentReport report;
  report.transaction_uid = request.transaction_uid;
  for (const auto& ref : request.references) {
    const auto fail = [&](std::uint16_t reason) { report.failed.push_back(CommitmentFailure{ref, reason}); };
    if (ref.sop_class_uid.empty() || ref.sop_instance_uid.empty()) {
      fail(commitment_failure::processing_failure);
      continue;
    }
    // The durable index is the authority when there is one: the catalog is rebuilt from whatever
    // files are on disk at start, a file cut short included.
    std::optional<InstanceRecord> stored;
    if (indexed) {
      auto row = indexed(ref.sop_instance_uid);
      if (!row) {
        fail(commitment_failure::processing_failure);  // the index could not say: no guess
        continue;
      }
      stored = std::move(row).value();
    } else {
      stored = catalog.find(ref.sop_instance_uid);
    }
    std::error_code ec;
    if (!stored || !std::filesystem::is_regular_file(stored->file_path, ec)) {
      fail(commitment_failure::no_such_object_instance);
      continue;
    }
    if (stored->sop_class_uid != ref.sop_class_uid) {
      fail(commitment_failure::class_instance_conflict);
      continue;
    }
    // A file cut short since it was stored is not the instance that was committed to.
    if (stored->size_bytes != 0 && std::filesystem::file_size(stored->file_path, ec) != stored->size_bytes) {
      fail(commitment_failure::processing_failure);
      continue;
    }
    report.committed.push_back(ref);
  }
  return report;
}

std::unique_ptr<DcmDataset> report_dataset(const CommitmentReport& report, const std::string& retrieve_ae) {
  auto dataset = std::make_unique<DcmDataset>();
  dataset->putAndInsertString(DCM_TransactionUID, report.transaction_uid.c_str());
  if (!report.committed.empty()) {
    dataset->putAndInsertString(DCM_RetrieveAETitle, retrieve_ae.c_str());
    for (const auto& ref : report.committed) {
      DcmItem* item = nullptr;
      if (dataset->findOrCreateSequenceItem(DCM_ReferencedSOPSequence, item, -2).good()) put_reference(*item, ref);
    }
  }
  for (const auto& failure : report.failed) {
    DcmItem* item = nullptr;
    if (dataset->findOrCreateSequenceItem(DCM_FailedSOPSequence, item, -2).bad()) continue;
    put_reference(*item, failure.instance);
    item->putAndInsertUint16(DCM_FailureReason, failure.reason);
  }
  return dataset;
}

Result<CommitmentReport> read_report_dataset(DcmDataset& dataset) {
  CommitmentReport report;
  report.transaction_uid = text_of(dataset, DCM_TransactionUID);
  if (report.transaction_uid.empty()) {
    return Error{Errc::dicom_dimse_failed, "N-EVENT-REPORT", "the report has no Transaction UID (0008,1195)"};
  }
  for (auto* item : items_of(dataset, DCM_ReferencedSOPSequence)) {
    report.committed.push_back(
        SopReference{text_of(*item, DCM_ReferencedSOPClassUID), text_of(*item, DCM_ReferencedSOPInstanceUID)});
  }
  for (auto* item : items_of(dataset, DCM_FailedSOPSequence)) {
    Uint16 reason = commitment_failure::processing_failure;
    item->findAndGetUint16(DCM_FailureReason, reason);
    report.failed.push_back(CommitmentFailure{
        SopReference{text_of(*item, DCM_ReferencedSOPClassUID), text_of(*item, DCM_ReferencedSOPInstanceUID)}, reason});
  }
  return report;
}

Result<std::uint16_t> send_report_on_new_association(const CommitmentPeer& peer, const std::string& our_ae,
                                                     const CommitmentReport& report, std::chrono::seconds timeout) {
  ensure_dcmtk_ready();
  const auto where = fmt::format("commitment report {} -> {} at {}:{}", our_ae, peer.ae_title, peer.host, peer.port);
  DcmSCU scu;
  scu.setAETitle(our_ae);
  scu.setPeerAETitle(peer.ae_title);
  scu.setPeerHostName(peer.host);
  scu.setPeerPort(peer.port);
  scu.setACSETimeout(static_cast<Uint32>(timeout.count()));
  scu.setDIMSETimeout(static_cast<Uint32>(timeout.count()));
  scu.setDIMSEBlockingMode(DIMSE_NONBLOCKING);
  scu.setConnectionTimeout(static_cast<Sint32>(timeout.count()));
  scu.setVerbosePCMode(OFFalse);
  OFList<OFString> syntaxes;
  syntaxes.emplace_back(UID_LittleEndianExplicitTransferSyntax);
  syntaxes.emplace_back(UID_LittleEndianImplicitTransferSyntax);
  // We send N-EVENT-REPORTs of a class whose SCU is the peer: we ask for the SCP role.
  scu.addPresentationContext(UID_StorageCommitmentPushModelSOPClass, syntaxes, ASC_SC_ROLE_SCP);
  auto cond = scu.initNetwork();
  if (cond.bad()) return Error{Errc::connect_failed, where, describe(cond)};
  cond = scu.negotiateAssociation();
  if (cond == DUL_ASSOCIATIONREJECTED) return Error{Errc::dicom_association_rejected, where, describe(cond)};
  if (cond.bad()) return Error{Errc::connect_failed, where, describe(cond)};
  const auto context = scu.findPresentationContextID(UID_StorageCommitmentPushModelSOPClass, "", ASC_SC_ROLE_SCP);
  if (context == 0) {
    scu.abortAssociation();
    return Error{Errc::dicom_no_presentation_context, where,
                 "the peer accepted no Storage Commitment context with us in the SCP role"};
  }
  auto dataset = report_dataset(report, our_ae);
  Uint16 status = 0;
  cond = scu.sendEVENTREPORTRequest(context, UID_StorageCommitmentPushModelSOPInstance, report.event_type_id(),
                                    dataset.get(), status);
  if (cond.bad()) {
    scu.abortAssociation();
    return Error{Errc::dicom_dimse_failed, where, describe(cond)};
  }
  scu.releaseAssociation();
  return std::uint16_t{status};
}

std::string summarize(const CommitmentReport& report) {
  std::string text = fmt::format("transaction {}: {} committed, {} failed", report.transaction_uid,
                                 report.committed.size(), report.failed.size());
  for (std::size_t i = 0; i < report.failed.size() && i < 5; ++i) {
    text += fmt::format("{}{}: {}", i == 0 ? " (" : "; ", report.failed[i].instance.sop_instance_uid,
                        describe_commitment_failure(report.failed[i].reason));
  }
  if (report.failed.size() > 5) text += fmt::format("; and {} more", report.failed.size() - 5);
  if (!report.failed.empty()) text += ")";
  return text;
}

}  // namespace internal
}  // namespace radloop::dicom
