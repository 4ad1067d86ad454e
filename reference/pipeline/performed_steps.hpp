// Performed procedure steps (MPPS) as the store keeps them: the step whole as JSON, so that a step
// created before a restart is known after it, with its series and instances, and can be set.
#pragma once

#include "reference/core/result.hpp"
#include "reference/dicom/mpps.hpp"
#include "reference/store/records.hpp"

namespace radloop::pipeline {

store::PerformedStepRecord performed_step_record(const dicom::PerformedProcedureStep& step, store::Millis now);
// invalid_input when the body is not a step this version wrote.
Result<dicom::PerformedProcedureStep> performed_step_from(const store::PerformedStepRecord& record);

}  // namespace radloop::pipeline
