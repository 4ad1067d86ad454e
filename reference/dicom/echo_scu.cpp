// C-ECHO service user on DCMTK's ASC/DIMSE layer (DcmSCU hides the response status).
#include "reference/dicom/echo_scu.hpp"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <dcmtk/dcmnet/assoc.h>
#include <dcmtk/dcmnet/dimse.h>
#include <fmt/format.h>

#include <array>

#include "reference/dicom/internal/dcmtk_runtime.hpp"

namespace radloop::dicom {
namespace {

// Owns the requestor network and association; releases or aborts on every exit path.
struct Requestor {
  T_ASC_Network* network = nullptr;
  T_ASC_Parameters* params = nullptr;  // owned by assoc once the request is made
  T_ASC_Association* assoc = nullptr;
  bool established = false;

  Requestor() = default;
  Requestor(const Requestor&) = delete;
  Requestor& operator=(const Requestor&) = delete;
  ~Requestor() {
    if (assoc != nullptr) {
      if (established) ASC_abortAssociation(assoc);
      ASC_dropAssociation(assoc);
      ASC_destroyAssociation(&assoc);
    } else if (params != nullptr) {
      ASC_destroyAssociationParameters(&params);
    }
    if (network != nullptr) ASC_dropNetwork(&network);
  }
};

std::string reject_reason(T_ASC_Association* assoc) {
  T_ASC_RejectParameters rejection{};
  ASC_getRejectParameters(assoc->params, &rejection);
  OFString text;
  ASC_printRejectParameters(text, &rejection);
  return text.c_str();
}

}  // namespace

Result<EchoResult> echo(const EchoRequest& request) {
  internal::ensure_dcmtk_ready();
  const auto where =
      fmt::format("association {} -> {} at {}:{}", request.calling_ae, request.called_ae, request.host, request.port);
  Requestor r;
  auto cond = ASC_initializeNetwork(NET_REQUESTOR, 0, static_cast<int>(request.acse_timeout.count()), &r.network);
  if (cond.bad()) return Error{Errc::connect_failed, where, internal::describe(cond)};
  cond = ASC_createAssociationParameters(&r.params, ASC_DEFAULTMAXPDU);
  if (cond.bad()) return Error{Errc::internal, where, internal::describe(cond)};
  ASC_setAPTitles(r.params, request.calling_ae.c_str(), request.called_ae.c_str(), nullptr);
  const auto peer = fmt::format("{}:{}", request.host, request.port);
  ASC_setPresentationAddresses(r.params, "localhost", peer.c_str());
  std::array<const char*, 3> syntaxes{UID_LittleEndianExplicitTransferSyntax, UID_BigEndianExplicitTransferSyntax,
                                      UID_LittleEndianImplicitTransferSyntax};
  cond = ASC_addPresentationContext(r.params, 1, UID_VerificationSOPClass, syntaxes.data(),
                                    static_cast<int>(syntaxes.size()));
  if (cond.bad()) return Error{Errc::internal, where, internal::describe(cond)};

  cond = ASC_requestAssociation(r.network, r.params, &r.assoc);
  if (cond == DUL_ASSOCIATIONREJECTED) return Error{Errc::dicom_association_rejected, where, reject_reason(r.assoc)};
  if (cond.bad()) return Error{Errc::connect_failed, where, internal::describe(cond)};
  r.established = true;
  if (ASC_countAcceptedPresentationContexts(r.params) == 0) {
    return Error{Errc::dicom_no_presentation_context, where, "Verification SOP Class was not accepted"};
  }

  DIC_US status = 0;
  DcmDataset* detail = nullptr;
  cond = DIMSE_echoUser(r.assoc, r.assoc->nextMsgID++, DIMSE_NONBLOCKING,
                        static_cast<int>(request.dimse_timeout.count()), &status, &detail);
  delete detail;
  if (cond.bad()) return Error{Errc::dicom_dimse_failed, where, internal::describe(cond)};

  if (ASC_releaseAssociation(r.assoc).good()) r.established = false;
  return EchoResult{status};
}

}  // namespace radloop::dicom
