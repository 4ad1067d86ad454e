// MPPS data sets on DCMTK: an N-CREATE attribute list read into a step, an N-SET modification list
// read into a modification, and both written back (the modality simulator sends what we read).
#pragma once

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdatset.h>

#include <cstdint>
#include <memory>
#include <string>

#include "reference/dicom/mpps.hpp"

namespace radloop::dicom::internal {

struct ParsedMppsCreate {
  PerformedProcedureStep step;   // sop_instance_uid and calling_ae are left to the caller
  std::string requested_status;  // PPS Status as sent
  std::uint16_t status = 0;      // non-zero: 0x0120/0x0121 for a missing attribute or value
  std::string error;
};

// Type 1 attributes of the N-CREATE (PS3.4 Table F.7.2-1) must be present and valued.
ParsedMppsCreate parse_mpps_create(DcmDataset* attributes);

// Sorts the modification list into what N-SET may change and what it may not.
MppsModification parse_mpps_set(DcmDataset& modifications);

std::unique_ptr<DcmDataset> mpps_create_dataset(const PerformedProcedureStep& step);
// The final N-SET: status, end date and time, the performed series, and the discontinuation
// reason when there is one.
std::unique_ptr<DcmDataset> mpps_final_set_dataset(const PerformedProcedureStep& step);

}  // namespace radloop::dicom::internal
