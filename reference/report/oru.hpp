// ORU^R01 to a report record: narrative reassembled from its OBX (TX, FT, ST, repeated OBX-5),
// sections by OBX-3, status from OBR-25 (else the OBX-11 values), addenda kept apart.
#pragma once

#include "reference/core/result.hpp"
#include "reference/hl7/message.hpp"
#include "reference/report/report.hpp"

namespace radloop::report {

// hl7_required_missing when there is no OBR or no OBX text at all; the location names the
// segment. A message that is not ORU is invalid_config.
Result<Report> report_from_oru(const hl7::Message& message);

}  // namespace radloop::report
