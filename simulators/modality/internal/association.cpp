// DcmSCU set-up shared by the modality's services (see the header).
#include "simulators/modality/internal/association.hpp"

#include <fmt/format.h>

#include "reference/dicom/internal/dcmtk_runtime.hpp"

namespace radloop::modality::internal {

void configure(DcmSCU& scu, const Target& target) {
  // DCMTK's logging level and TCP_NODELAY in the environment, as the archive side sets them.
  dicom::internal::ensure_dcmtk_ready();
  scu.setAETitle(target.calling_ae.c_str());
  scu.setPeerAETitle(target.called_ae.c_str());
  scu.setPeerHostName(target.host.c_str());
  scu.setPeerPort(target.port);
  const auto seconds = static_cast<Uint32>(target.timeout.count());
  scu.setACSETimeout(seconds);
  scu.setDIMSETimeout(seconds);
  scu.setDIMSEBlockingMode(DIMSE_NONBLOCKING);
  scu.setConnectionTimeout(static_cast<Sint32>(seconds));
  scu.setMaxReceivePDULength(target.max_pdu_bytes);
  scu.setVerbosePCMode(OFFalse);
}

Result<void> open(DcmSCU& scu, const std::string& where) {
  if (auto cond = scu.initNetwork(); cond.bad()) return Error{Errc::connect_failed, where, cond.text()};
  if (auto cond = scu.negotiateAssociation(); cond.bad()) {
    const auto code = cond == DUL_ASSOCIATIONREJECTED ? Errc::dicom_association_rejected : Errc::connect_failed;
    return Error{code, where, cond.text()};
  }
  return {};
}

std::string describe(const Target& target, const std::string& what) {
  return fmt::format("{} {} -> {} at {}:{}", what, target.calling_ae, target.called_ae, target.host, target.port);
}

}  // namespace radloop::modality::internal
