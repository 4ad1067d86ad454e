// Setting up and opening a DcmSCU association to a Target, the same way for every service the
// modality uses; failures come back as the catalogue's errors.
#pragma once

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmnet/scu.h>

#include <string>

#include "reference/core/result.hpp"
#include "simulators/modality/target.hpp"

namespace radloop::modality::internal {

// AE titles, address, timeouts, non-blocking DIMSE, and TCP_NODELAY (DCMTK leaves Nagle's
// algorithm on unless the environment asks, and each small PDU then waits ~40 ms; see
// reference/dicom's dcmtk_runtime, which both sides share).
void configure(DcmSCU& scu, const Target& target);

// initNetwork + negotiateAssociation: a rejection is dicom_association_rejected with DCMTK's
// reason, anything else connect_failed.
Result<void> open(DcmSCU& scu, const std::string& where);

// "MPPS N-CREATE MODALITY -> RADLOOP at 127.0.0.1:104": where an error happened.
std::string describe(const Target& target, const std::string& what);

}  // namespace radloop::modality::internal
