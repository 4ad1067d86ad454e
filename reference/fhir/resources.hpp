// Plain records to FHIR R4 resources as JSON: Patient, ServiceRequest, ImagingStudy and
// DiagnosticReport, with the elements R4 requires and its code systems.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "reference/dicom/instance.hpp"
#include "reference/report/report.hpp"

namespace radloop::fhir {

struct PatientFacts {
  std::string id;          // the MRN
  std::string issuer;      // its assigning authority
  std::string name;        // FAMILY^GIVEN^MIDDLE
  std::string birth_date;  // YYYYMMDD
  std::string sex;         // M, F, O, U (HL7 table 0001)
};

struct OrderFacts {
  std::string placer_number;
  std::string filler_number;
  std::string accession;
  std::string status;  // HL7 order control / status: NW, SC, IP, CM, CA, DC
  std::string procedure_code;
  std::string procedure_system;  // e.g. "CPT4", "L" (local)
  std::string procedure_text;
  std::string scheduled;  // YYYYMMDD[HHMM[SS]]
};

// "YYYYMMDD[HHMM[SS]]" as an R4 date or dateTime ("2026-03-15", "2026-03-15T09:30:00");
// "" when the value is not one.
std::string fhir_date_time(const std::string& dicom_or_hl7);

nlohmann::json patient(const PatientFacts& facts, const std::string& id);
nlohmann::json service_request(const OrderFacts& order, const std::string& id, const std::string& patient_id);
// The instances of one study (any order); series and instances sorted by their numbers.
nlohmann::json imaging_study(const std::vector<dicom::InstanceRecord>& instances, const std::string& id,
                             const std::string& patient_id, const std::string& service_request_id = {});
// status P -> preliminary, F -> final (appended when there are addenda), C -> corrected,
// X -> cancelled; the narrative and any PDF in presentedForm; the impression as conclusion.
nlohmann::json diagnostic_report(const report::Report& report, const std::string& id, const std::string& patient_id,
                                 const std::string& imaging_study_id = {});

}  // namespace radloop::fhir
