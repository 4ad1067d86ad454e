// The HL7 messages the pipeline sends: an order forwarded under its own header, the report as
// ORU^R01 for the EHR, and an order status update (ORM^O01, ORC-1 SC) for the RIS.
#pragma once

#include <string>
#include <string_view>

#include "reference/core/result.hpp"
#include "reference/report/report.hpp"
#include "reference/store/records.hpp"

namespace radloop::pipeline {

// Who sends, to whom, under which control ID, when.
struct Stamp {
  std::string sending_application = "RADLOOP";
  std::string sending_facility = "RADLOOP";
  std::string receiving_application;
  std::string receiving_facility;
  std::string control_id;
  std::string timestamp;  // YYYYMMDDHHMMSS
};

// The message as received, with a new MSH-3..7 and MSH-10; everything else is kept as it came.
Result<std::string> restamp(std::string_view er7, const Stamp& stamp);

// ORU^R01 (v2.5.1) from a report version: PID, ORC (RE), OBR with status and accession in
// OBR-18, one TX OBX per section (a repetition per line), addenda under "Addendum", coded
// findings as CE, attachments as ED (base64), and ZDS with the Study Instance UID when known.
std::string oru_message(const report::Report& report, const store::OrderRecord& order, const std::string& study_uid,
                        const Stamp& stamp);

// ORM^O01 with ORC-1 SC and ORC-5 the order's status (IP, CM, DC...): what the modality did.
std::string status_update(const store::OrderRecord& order, const store::PatientRecord& patient, const Stamp& stamp);

}  // namespace radloop::pipeline
