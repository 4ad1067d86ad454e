// The DCMTK side of a worklist C-FIND: the identifier read into a WorklistQuery, and each matching
// order written back as a reply holding exactly the keys the identifier asked for.
#pragma once

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdatset.h>

#include <cstdint>
#include <memory>
#include <string>

#include "reference/dicom/worklist.hpp"

namespace radloop::dicom::internal {

struct ParsedWorklistQuery {
  WorklistQuery query;
  std::string keys;          // the non-empty matching keys, "PatientName=DOE*, Modality=CT", for events
  std::uint16_t status = 0;  // non-zero: the failure to answer with, and error says why
  std::string error;
};

ParsedWorklistQuery parse_worklist_query(DcmDataset& identifier);

// The identifier with its keys filled from the order; unknown keys stay empty. Specific Character
// Set is ISO_IR 192 when a value returned is not ASCII.
std::unique_ptr<DcmDataset> worklist_reply(const DcmDataset& identifier, const WorklistItem& order);

}  // namespace radloop::dicom::internal
