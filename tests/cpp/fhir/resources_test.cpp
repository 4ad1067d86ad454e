// The FHIR R4 mappings: every element R4 requires is there, statuses and genders are from their
// value sets, codes carry their systems, and what is encoded decodes back.
#include "reference/fhir/resources.hpp"

#include "reference/core/base64.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>

namespace radloop::fhir {
namespace {

using json = nlohmann::json;

std::string decode64(const json& text) { return base64_decode(text.get<std::string>()).value(); }

dicom::InstanceRecord instance(std::string series, std::string series_number, std::string sop, std::string number) {
  dicom::InstanceRecord r;
  r.patient_id = "MRN1";
  r.accession_number = "ACC1";
  r.study_instance_uid = "1.2.3";
  r.series_instance_uid = std::move(series);
  r.series_number = std::move(series_number);
  r.sop_instance_uid = std::move(sop);
  r.instance_number = std::move(number);
  r.sop_class_uid = "1.2.840.10008.5.1.4.1.1.2";
  r.modality = "CT";
  r.study_date = "20260315";
  r.study_time = "093000";
  return r;
}

report::Report final_report_with_sections() {
  report::Report r;
  r.status = report::Status::final_;
  r.accession = "ACC1";
  r.procedure_text = "CT CHEST";
  r.observation_time = "20260315100000";
  r.sections = {{"Findings", "Clear lungs."}, {"Impression", "Normal."}};
  return r;
}

TEST(FhirDateTime, WritesR4DatesAndDateTimes) {
  EXPECT_EQ(fhir_date_time("20260315"), "2026-03-15");
  EXPECT_EQ(fhir_date_time("202603150930"), "2026-03-15T09:30:00");
  EXPECT_EQ(fhir_date_time("20260315093012"), "2026-03-15T09:30:12");
  EXPECT_EQ(fhir_date_time("2026-03"), "");
}

TEST(Patient, HasItsTypedIdentifierNameGenderAndBirthDate) {
  const auto p = patient({"MRN1", "GENERAL", "DOE^JANE^Q", "19700412", "F"}, "p1");
  EXPECT_EQ(p["resourceType"], "Patient");
  EXPECT_EQ(p["identifier"][0]["value"], "MRN1");
  EXPECT_EQ(p["identifier"][0]["type"]["coding"][0]["code"], "MR");
  EXPECT_EQ(p["identifier"][0]["assigner"]["display"], "GENERAL");
  EXPECT_EQ(p["name"][0]["family"], "DOE");
  EXPECT_EQ(p["name"][0]["given"], json::array({"JANE", "Q"}));
  EXPECT_EQ(p["gender"], "female");
  EXPECT_EQ(p["birthDate"], "1970-04-12");
  EXPECT_EQ(patient({"X", "Y", "ROE", "", ""}, "p2")["gender"], "unknown");
}

TEST(ServiceRequest, HasStatusIntentSubjectAndTheAccession) {
  const auto r = service_request({"P1", "F1", "ACC1", "SC", "71250", "CPT4", "CT CHEST", "202603150930"}, "sr1", "p1");
  EXPECT_EQ(r["status"], "active");
  EXPECT_EQ(r["intent"], "order");
  EXPECT_EQ(r["subject"]["reference"], "Patient/p1");
  std::set<std::string> types;
  for (const auto& id : r["identifier"]) types.insert(id["type"]["coding"][0]["code"]);
  EXPECT_EQ(types, (std::set<std::string>{"PLAC", "FILL", "ACSN"}));
  EXPECT_EQ(r["code"]["coding"][0]["code"], "71250");
  EXPECT_EQ(r["occurrenceDateTime"], "2026-03-15T09:30:00");
  EXPECT_EQ(service_request({"", "", "", "CA", "", "", "", ""}, "sr2", "p1")["status"], "revoked");
  EXPECT_EQ(service_request({"", "", "", "CM", "", "", "", ""}, "sr3", "p1")["status"], "completed");
}

TEST(ImagingStudy, ListsSeriesAndInstancesInOrderWithDicomCodes) {
  const auto s = imaging_study({instance("1.2.3.2", "2", "1.2.3.2.1", "1"), instance("1.2.3.1", "1", "1.2.3.1.2", "2"),
                                instance("1.2.3.1", "1", "1.2.3.1.1", "1")},
                               "is1", "p1", "sr1");
  EXPECT_EQ(s["status"], "available");
  EXPECT_EQ(s["subject"]["reference"], "Patient/p1");
  EXPECT_EQ(s["basedOn"][0]["reference"], "ServiceRequest/sr1");
  EXPECT_EQ(s["identifier"][0]["value"], "urn:oid:1.2.3");
  EXPECT_EQ(s["numberOfSeries"], 2);
  EXPECT_EQ(s["numberOfInstances"], 3);
  EXPECT_EQ(s["modality"][0]["system"], "http://dicom.nema.org/resources/ontology/DCM");
  ASSERT_EQ(s["series"].size(), 2U);
  EXPECT_EQ(s["series"][0]["uid"], "1.2.3.1");
  EXPECT_EQ(s["series"][0]["numberOfInstances"], 2);
  EXPECT_EQ(s["series"][0]["instance"][0]["uid"], "1.2.3.1.1");  // by instance number
  EXPECT_EQ(s["series"][0]["instance"][0]["sopClass"]["code"], "urn:oid:1.2.840.10008.5.1.4.1.1.2");
  EXPECT_EQ(s["started"], "2026-03-15T09:30:00");
  EXPECT_EQ(imaging_study({}, "is2", "p1")["status"], "registered");
}

TEST(DiagnosticReport, CarriesStatusConclusionAndTheNarrative) {
  auto r = final_report_with_sections();
  auto d = diagnostic_report(r, "dr1", "p1", "is1");
  EXPECT_EQ(d["status"], "final");
  EXPECT_EQ(d["code"]["coding"][0]["system"], "http://loinc.org");
  EXPECT_EQ(d["code"]["coding"][0]["code"], "18748-4");
  EXPECT_EQ(d["subject"]["reference"], "Patient/p1");
  EXPECT_EQ(d["imagingStudy"][0]["reference"], "ImagingStudy/is1");
  EXPECT_EQ(d["conclusion"], "Normal.");
  EXPECT_EQ(d["effectiveDateTime"], "2026-03-15T10:00:00");
  EXPECT_EQ(decode64(d["presentedForm"][0]["data"]), r.narrative());

  r.addenda = {{"Addendum", "Also a rib fracture."}};
  EXPECT_EQ(diagnostic_report(r, "dr2", "p1")["status"], "appended");
  r.status = report::Status::preliminary;
  EXPECT_EQ(diagnostic_report(r, "dr3", "p1")["status"], "preliminary");
  r.status = report::Status::corrected;
  EXPECT_EQ(diagnostic_report(r, "dr4", "p1")["status"], "corrected");

  report::Report pdf;
  pdf.attachments = {{"application/pdf", "Report", "%PDF-1.4 ...", "abc"}};
  const auto from_pdf = diagnostic_report(pdf, "dr5", "p1");
  EXPECT_EQ(from_pdf["presentedForm"][0]["contentType"], "application/pdf");
  EXPECT_EQ(decode64(from_pdf["presentedForm"][0]["data"]), "%PDF-1.4 ...");
}

// An independent check: the `fhir` npm package (installed by ci/setup.sh into build/npm) validates
// each resource against the R4 definitions.
TEST(FhirValidator, FindsEveryResourceValid) {
  auto r = final_report_with_sections();
  r.addenda = {{"Addendum", "Rib fracture."}};
  const std::vector<json> resources{
      patient({"MRN1", "GENERAL", "DOE^JANE", "19700412", "F"}, "p1"),
      service_request({"P1", "F1", "ACC1", "SC", "71250", "CPT4", "CT CHEST", "202603150930"}, "sr1", "p1"),
      imaging_study({instance("1.2.3.1", "1", "1.2.3.1.1", "1")}, "is1", "p1", "sr1"), imaging_study({}, "is2", "p1"),
      diagnostic_report(r, "dr1", "p1", "is1")};
  const auto dir = std::filesystem::temp_directory_path() / ("radloop-fhir-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::string command =
      "NODE_PATH='" RADLOOP_SOURCE_DIR "/build/npm/node_modules' node '" RADLOOP_SOURCE_DIR "/tests/fhir/validate.js'";
  for (std::size_t i = 0; i < resources.size(); ++i) {
    const auto file = dir / (std::to_string(i) + ".json");
    std::ofstream(file) << resources[i].dump(2);
    command += " '" + file.string() + "'";
  }
  std::string output;
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::array<char, 4096> buffer{};
  while (std::fgets(buffer.data(), buffer.size(), pipe) != nullptr) output += buffer.data();
  const int status = ::pclose(pipe);
  std::filesystem::remove_all(dir);
  EXPECT_EQ(status, 0) << output;
  EXPECT_EQ(std::count(output.begin(), output.end(), '\n'), static_cast<long>(resources.size())) << output;
  EXPECT_EQ(output.find("INVALID"), std::string::npos) << output;
}

}  // namespace
}  // namespace radloop::fhir
