// DICOM report objects to report records (see dicom_report.hpp).
#include "reference/report/dicom_report.hpp"

#include <xxhash.h>

#include <algorithm>
#include <array>
#include <cctype>

#include "reference/core/hex.hpp"

namespace radloop::report {
namespace {

Report keyed(const dicom::ReportObjectKeys& keys) {
  Report r;
  r.patient_id = keys.patient_id;
  r.issuer = keys.issuer;
  r.patient_name = keys.patient_name;
  r.accession = keys.accession;
  r.study_instance_uid = keys.study_instance_uid;
  r.observation_time = keys.content_date + keys.content_time;
  return r;
}

bool addendum(const std::string& heading) {
  std::string lower = heading;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  return lower.find("addend") != std::string::npos;
}

// The lines an item and what it contains contribute to its section.
void collect(const dicom::SrItem& item, std::string& text, Report& r) {
  std::string line;
  const auto& type = item.value_type;
  if (type == "TEXT") {
    line = item.value;
  } else if (type == "NUM" || type == "PNAME" || type == "DATE" || type == "TIME" || type == "DATETIME") {
    line = item.concept_meaning + ": " + item.value;
  } else if (type == "CODE") {
    line = item.concept_meaning + ": " + item.value;
    r.coded.push_back({item.concept_meaning, item.code, item.value, item.code_system});
  } else if (type == "CONTAINER" && !item.concept_meaning.empty()) {
    line = item.concept_meaning + ":";  // a nested heading stays a line of its section
  }
  if (!line.empty()) {
    if (!text.empty()) text += '\n';
    text += line;
  }
  for (const auto& child : item.children) collect(child, text, r);
}

std::string hex_digest(const std::string& bytes) {
  XXH128_canonical_t canonical{};
  XXH128_canonicalFromHash(&canonical, XXH3_128bits(bytes.data(), bytes.size()));
  return to_hex(canonical.digest, sizeof canonical.digest);
}

}  // namespace

Report report_from_sr(const dicom::SrDocument& sr) {
  Report r = keyed(sr.keys);
  r.status =
      sr.verification_flag == "VERIFIED" && sr.completion_flag == "COMPLETE" ? Status::final_ : Status::preliminary;
  r.interpreter = sr.verifying_observer;
  r.procedure_text = sr.root.concept_meaning;
  for (const auto& child : sr.root.children) {
    Section section{child.concept_meaning, {}};
    if (child.value_type == "CONTAINER") {
      for (const auto& item : child.children) collect(item, section.text, r);
    } else {
      collect(child, section.text, r);
    }
    (addendum(section.heading) ? r.addenda : r.sections).push_back(std::move(section));
  }
  return r;
}

Report report_from_pdf(const dicom::EncapsulatedDocument& pdf) {
  Report r = keyed(pdf.keys);
  r.procedure_text = pdf.title;
  r.attachments.push_back({pdf.mime_type, pdf.title, pdf.bytes, hex_digest(pdf.bytes)});
  return r;
}

}  // namespace radloop::report
