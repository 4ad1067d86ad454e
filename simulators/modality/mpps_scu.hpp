// The modality's side of Modality Performed Procedure Step: N-CREATE when the exam starts,
// N-SET COMPLETED or DISCONTINUED when it ends, each on an association of its own.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "reference/core/result.hpp"
#include "reference/dicom/mpps.hpp"
#include "simulators/modality/study.hpp"
#include "simulators/modality/target.hpp"

namespace radloop::modality {

// What the archive answered. A refusal is an answer, not an error.
struct MppsAnswer {
  std::uint16_t status = 0;
  std::string sop_instance_uid;  // the step's UID (the archive's choice when we sent none)
  std::string error_comment;     // (0000,0902) when the archive gave one

  // Success or a warning (0x0001, 0x0107 attribute list, 0x0116 value out of range, 0xBxxx):
  // the archive took the step.
  [[nodiscard]] bool taken() const {
    return status == 0 || status == 0x0001 || status == 0x0107 || status == 0x0116 || (status & 0xF000U) == 0xB000U;
  }
};

// The step a study describes: patient and order from the spec, one performed series per series
// of instances, started at the study's date and time. IN PROGRESS, with the UID derived from the
// spec's seed.
dicom::PerformedProcedureStep performed_step(const StudySpec& spec, const std::vector<SynthesizedInstance>& instances);

// Association or DIMSE failures are errors; the archive's status is in the answer.
Result<MppsAnswer> mpps_create(const Target& target, const dicom::PerformedProcedureStep& step);
// Sends the step's status (COMPLETED or DISCONTINUED), end date and time, series and reason.
Result<MppsAnswer> mpps_set(const Target& target, const dicom::PerformedProcedureStep& step);

}  // namespace radloop::modality
