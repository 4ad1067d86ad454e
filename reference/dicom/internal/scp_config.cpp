// The server's presentation contexts and announced PDU size (see the header).
#include "reference/dicom/internal/scp_config.hpp"

#include <dcmtk/dcmdata/dcuid.h>

#include <algorithm>

namespace radloop::dicom::internal {

DcmSharedSCPConfig make_scp_config(const ServerConfig& config) {
  DcmSCPConfig scp;
  scp.setAETitle(config.ae_title.c_str());
  scp.setRespondWithCalledAETitle(OFFalse);
  scp.setMaxReceivePDULength(config.max_pdu_bytes);
  scp.setACSETimeout(static_cast<Uint32>(config.acse_timeout.count()));
  // Blocking reads, each bounded by the socket's receive timeout (set on accept to the DIMSE
  // timeout): the same limit as DCMTK's non-blocking mode without a poll() before every read.
  scp.setDIMSEBlockingMode(DIMSE_BLOCKING);
  scp.setDIMSETimeout(static_cast<Uint32>(config.dimse_timeout.count()));
  scp.setHostLookupEnabled(OFFalse);
  OFList<OFString> syntaxes;
  syntaxes.push_back(UID_LittleEndianExplicitTransferSyntax);
  syntaxes.push_back(UID_BigEndianExplicitTransferSyntax);
  syntaxes.push_back(UID_LittleEndianImplicitTransferSyntax);
  scp.addPresentationContext(UID_VerificationSOPClass, syntaxes);
  if (config.order_source) scp.addPresentationContext(UID_FINDModalityWorklistInformationModel, syntaxes);
  if (config.offer_mpps) scp.addPresentationContext(UID_ModalityPerformedProcedureStepSOPClass, syntaxes);
  if (!config.storage_dir.empty()) {
    scp.addPresentationContext(UID_StorageCommitmentPushModelSOPClass, syntaxes);
    scp.addPresentationContext(UID_FINDPatientRootQueryRetrieveInformationModel, syntaxes);
    scp.addPresentationContext(UID_FINDStudyRootQueryRetrieveInformationModel, syntaxes);
  }

  // Storage contexts are negotiated by the association handler: a DCMTK profile holds at most
  // 128 contexts, fewer than the storage classes it knows.
  return DcmSharedSCPConfig(scp);
}

std::uint32_t announced_max_pdu(std::uint32_t configured) {
  constexpr std::uint32_t kSmallest = 4096;
  return std::max(kSmallest, configured - configured % 2);
}

}  // namespace radloop::dicom::internal
