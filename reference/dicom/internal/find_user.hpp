// One C-FIND as a service user over an association of its own: every pending identifier is handed
// to on_match. Shared by the worklist query and the study query.
#pragma once

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdatset.h>

#include <functional>
#include <string>

#include "reference/core/result.hpp"
#include "reference/dicom/internal/requestor.hpp"

namespace radloop::dicom::internal {

struct FindRequest {
  RequestorConfig peer;
  std::string sop_class;  // the information model
  std::string service;    // for the sentence when the peer does not offer it: "Modality Worklist"
  std::string where;      // names the exchange in errors
  int timeout_seconds = 30;
};

// A rejection or a peer that does not offer the model comes back as the catalogue's error, with
// `where`; a failed or refused query is dicom_dimse_failed with the status.
Result<void> find(const FindRequest& request, DcmDataset& query, const std::function<void(DcmDataset&)>& on_match);

}  // namespace radloop::dicom::internal
