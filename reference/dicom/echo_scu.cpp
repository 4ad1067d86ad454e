// C-ECHO service user on our ASC requestor (DcmSCU hides the response status).
#include "reference/dicom/echo_scu.hpp"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <dcmtk/dcmnet/assoc.h>
#include <dcmtk/dcmnet/dimse.h>
#include <fmt/format.h>

#include "reference/dicom/internal/dcmtk_runtime.hpp"
#include "reference/dicom/internal/requestor.hpp"

namespace radloop::dicom {

Result<EchoResult> echo(const EchoRequest& request) {
  internal::RequestorConfig config{request.host,      request.port,         request.calling_ae,
                                   request.called_ae, request.acse_timeout, ASC_DEFAULTMAXPDU};
  auto requestor =
      internal::Requestor::open(config, {{UID_VerificationSOPClass,
                                          {UID_LittleEndianExplicitTransferSyntax, UID_BigEndianExplicitTransferSyntax,
                                           UID_LittleEndianImplicitTransferSyntax}}});
  if (!requestor) {
    auto error = requestor.error();
    if (error.code == Errc::dicom_no_presentation_context) error.detail = "Verification SOP Class was not accepted";
    return error;
  }
  auto& r = **requestor;
  DIC_US status = 0;
  DcmDataset* detail = nullptr;
  const auto cond = DIMSE_echoUser(r.association(), r.next_message_id(), DIMSE_NONBLOCKING,
                                   static_cast<int>(request.dimse_timeout.count()), &status, &detail);
  delete detail;  // NOLINT(cppcoreguidelines-owning-memory): DCMTK hands over a raw owning pointer
  if (cond.bad()) {
    return Error{
        Errc::dicom_dimse_failed,
        fmt::format("association {} -> {} at {}:{}", request.calling_ae, request.called_ae, request.host, request.port),
        internal::describe(cond)};
  }
  r.release();
  return EchoResult{status};
}

}  // namespace radloop::dicom
