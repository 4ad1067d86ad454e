// Storage Commitment reports owed on new associations, as the store keeps them: the report whole
// as JSON, with the requester's address, so that one owed before a restart is sent after it.
#pragma once

#include "reference/core/result.hpp"
#include "reference/dicom/commitment.hpp"
#include "reference/store/records.hpp"

namespace radloop::pipeline {

store::CommitmentReportRecord commitment_report_record(const dicom::OwedReport& owed);
// invalid_input when the body is not a report this version wrote.
Result<dicom::OwedReport> owed_report_from(const store::CommitmentReportRecord& record);

}  // namespace radloop::pipeline
