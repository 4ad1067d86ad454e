// internal::find (see the header).
#include "reference/dicom/internal/find_user.hpp"

#include <dcmtk/dcmdata/dcuid.h>
#include <dcmtk/dcmnet/dimse.h>
#include <fmt/format.h>

namespace radloop::dicom::internal {
namespace {

// DIMSE_findUser calls this once per pending answer and deletes the identifier afterwards.
void collect(void* data, T_DIMSE_C_FindRQ* /*request*/, int /*count*/, T_DIMSE_C_FindRSP* /*response*/,
             DcmDataset* identifier) {
  if (identifier != nullptr) (*static_cast<const std::function<void(DcmDataset&)>*>(data))(*identifier);
}

}  // namespace

Result<void> find(const FindRequest& request, DcmDataset& query, const std::function<void(DcmDataset&)>& on_match) {
  auto opened = Requestor::open(
      request.peer,
      {{request.sop_class, {UID_LittleEndianExplicitTransferSyntax, UID_LittleEndianImplicitTransferSyntax}}});
  if (!opened) {
    auto error = opened.error();
    if (error.code == Errc::dicom_no_presentation_context) error.detail = "the peer does not offer " + request.service;
    error.where = request.where;
    return error;
  }
  auto& requestor = **opened;
  T_DIMSE_C_FindRQ rq{};
  rq.MessageID = requestor.next_message_id();
  OFStandard::strlcpy(rq.AffectedSOPClassUID, request.sop_class.c_str(), sizeof rq.AffectedSOPClassUID);
  rq.Priority = DIMSE_PRIORITY_MEDIUM;
  rq.DataSetType = DIMSE_DATASET_PRESENT;
  T_DIMSE_C_FindRSP response{};
  DcmDataset* detail = nullptr;
  int count = 0;
  auto callback = on_match;
  const auto cond = DIMSE_findUser(requestor.association(), requestor.accepted(request.sop_class), &rq, &query, count,
                                   collect, &callback, DIMSE_NONBLOCKING, request.timeout_seconds, &response, &detail);
  delete detail;  // NOLINT(cppcoreguidelines-owning-memory): DCMTK hands over a raw owning pointer
  if (cond.bad()) {
    requestor.abort();
    return Error{Errc::dicom_dimse_failed, request.where, cond.text()};
  }
  requestor.release();
  if (response.DimseStatus != STATUS_Success) {
    return Error{Errc::dicom_dimse_failed, request.where,
                 fmt::format("the query was answered {:#06x}", response.DimseStatus)};
  }
  return {};
}

}  // namespace radloop::dicom::internal
