// A data set announced with a DIMSE request (C-FIND identifier, N-ACTION, N-CREATE and N-SET
// information), received into memory as raw bytes and parsed only once its size and shape pass
// the limits. DCMTK's own receive parses as the PDVs arrive, so a data set nested deep enough
// would exhaust the stack before anyone could look at it.
#pragma once

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmnet/assoc.h>
#include <dcmtk/dcmnet/dimse.h>

#include <memory>
#include <optional>
#include <string_view>

#include "reference/core/result.hpp"
#include "reference/dicom/limits.hpp"

class DcmDataset;

namespace radloop::dicom::internal {

struct ReceivedDataset {
  std::unique_ptr<DcmDataset> dataset;  // null when refused
  std::optional<Error> refused;         // why it was not parsed; the request gets a failure status
};

// Bytes received whole (in the transfer syntax named) measured, then parsed: the step after the
// receive, on its own so it can be fuzzed. Errors are Errc::dicom_refused.
Result<std::unique_ptr<DcmDataset>> read_request_dataset(std::string_view bytes, const char* transfer_syntax,
                                                         const DatasetLimits& limits);

// Reads the whole data set off the association, even past the size limit (the bytes beyond it are
// counted and dropped), so the association stays usable and the request can be answered. A bad
// condition means the network failed and the association is gone.
OFCondition receive_bounded(T_ASC_Association* association, T_ASC_PresentationContextID context,
                            T_DIMSE_BlockingMode blocking, int timeout, const DatasetLimits& limits,
                            ReceivedDataset& out);

}  // namespace radloop::dicom::internal
