// Report objects a reporting system sends into the study: a Basic Text SR and an encapsulated
// PDF, written deterministically from the same plain description as the images.
#pragma once

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "reference/core/result.hpp"
#include "simulators/modality/study.hpp"

namespace radloop::modality {

struct ReportDocument {
  std::uint64_t seed = 1;  // the series and instance UIDs derive from it
  PatientInfo patient;
  OrderInfo order;
  std::string study_instance_uid;  // the imaging study it reports on; required
  std::string study_date = "20260101";
  std::string study_time = "120000";
  std::string content_date = "20260101";  // when the report was written
  std::string content_time = "130000";
  std::string title = "Radiology report";
  // Headed sections in order, e.g. {"Findings", "..."}, {"Impression", "..."}. Lines may be
  // separated by '\n'. "Findings" and "Impression" are coded as such in the SR.
  std::vector<std::pair<std::string, std::string>> sections;
  std::string author = "RADIOLOGIST^ANNA";  // PN of the verifying (or authoring) radiologist
  bool verified = true;                     // VERIFIED final report, or an UNVERIFIED preliminary one
  bool complete = true;                     // COMPLETE, or PARTIAL
  std::string station_ae_title = "REPORTING";
};

// Basic Text SR Storage (1.2.840.10008.5.1.4.1.1.88.11), modality SR, in its own series.
Result<SynthesizedInstance> synthesize_sr(const ReportDocument& report, const std::filesystem::path& out_dir);

// Encapsulated PDF Storage (1.2.840.10008.5.1.4.1.1.104.1), modality DOC: a one-page PDF
// holding the title, the patient and the sections as text.
Result<SynthesizedInstance> synthesize_pdf(const ReportDocument& report, const std::filesystem::path& out_dir);

}  // namespace radloop::modality
