// Report objects: a Basic Text SR and an encapsulated PDF in which dciodvfy finds no error and no
// warning, that pydicom reads, and that carry the report's text and the study they belong to.
#include "simulators/modality/report_document.hpp"

#include <gtest/gtest.h>

#include "tests/cpp/modality/study_fixture.hpp"

namespace radloop::modality {
namespace {

ReportDocument sample_report() {
  ReportDocument r;
  r.seed = 77;
  r.patient = {"MRN12345", "GENERAL", "DOE^JANE", "19700412", "F"};
  r.order = {"ACC000042", "RP0042", "CT CHEST WITHOUT CONTRAST", "SPS0042", "HOUSE^GREGORY"};
  r.study_instance_uid = "1.2.826.0.1.3680043.9.7433.42";
  r.study_date = "20260315";
  r.study_time = "093000";
  r.content_date = "20260315";
  r.content_time = "111500";
  r.sections = {{"Findings", "Lungs are clear.\nNo pleural effusion (none)."}, {"Impression", "No acute disease."}};
  return r;
}

std::vector<std::string> errors(const std::filesystem::path& path) {
  std::vector<std::string> out;
  for (const auto& line : testing::dciodvfy_lines(path)) {
    if (line.rfind("Error", 0) == 0 || line.rfind("Warning", 0) == 0) out.push_back(line);
  }
  return out;
}

TEST(ReportDocument, BasicTextSrIsValidAndHoldsTheSections) {
  testing::ScratchDir dir;
  const auto sr = synthesize_sr(sample_report(), dir.path());
  ASSERT_TRUE(sr.ok()) << sr.error().message();
  EXPECT_EQ(sr->sop_class_uid, "1.2.840.10008.5.1.4.1.1.88.11");
  EXPECT_EQ(sr->study_instance_uid, "1.2.826.0.1.3680043.9.7433.42");
  EXPECT_EQ(errors(sr->path), std::vector<std::string>{});
  const auto lines = testing::command_lines(
      "/usr/bin/python3 -c 'import sys, pydicom; d = pydicom.dcmread(sys.argv[1]); "
      "print(d.Modality, d.VerificationFlag, d.AccessionNumber); "
      "[print(s.ConceptNameCodeSequence[0].CodeMeaning, \"=\", s.ContentSequence[0].TextValue) for s in "
      "d.ContentSequence]' '" +
      sr->path.string() + "'");
  ASSERT_EQ(lines.size(), 4U) << (lines.empty() ? "" : lines.back());  // the findings span two lines
  EXPECT_EQ(lines[0], "SR VERIFIED ACC000042");
  EXPECT_EQ(lines[1], "Findings = Lungs are clear.");
  EXPECT_EQ(lines[3], "Impressions = No acute disease.");
}

TEST(ReportDocument, EncapsulatedPdfIsValidAndCarriesAReadablePdf) {
  testing::ScratchDir dir;
  auto report = sample_report();
  report.verified = false;
  const auto pdf = synthesize_pdf(report, dir.path());
  ASSERT_TRUE(pdf.ok()) << pdf.error().message();
  EXPECT_EQ(pdf->sop_class_uid, "1.2.840.10008.5.1.4.1.1.104.1");
  EXPECT_EQ(errors(pdf->path), std::vector<std::string>{});
  const auto lines = testing::command_lines(
      "/usr/bin/python3 -c 'import sys, pydicom; d = pydicom.dcmread(sys.argv[1]); "
      "b = bytes(d.EncapsulatedDocument)[:d.EncapsulatedDocumentLength]; "
      "print(d.Modality, d.MIMETypeOfEncapsulatedDocument, b[:8].decode(), b.rstrip().endswith(b\"%%EOF\"), "
      "b\"(  No acute disease.)\" in b, b\"(Preliminary, unsigned by RADIOLOGIST^ANNA on 20260315)\" in b)' '" +
      pdf->path.string() + "'");
  ASSERT_FALSE(lines.empty());
  EXPECT_EQ(lines.back(), "DOC application/pdf %PDF-1.4 True True True");
}

TEST(ReportDocument, IsDeterministicAndRefusesAReportWithoutAStudy) {
  testing::ScratchDir a;
  testing::ScratchDir b;
  const auto first = synthesize_sr(sample_report(), a.path());
  const auto second = synthesize_sr(sample_report(), b.path());
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_TRUE(testing::same_bytes(first->path, second->path));
  auto orphan = sample_report();
  orphan.study_instance_uid.clear();
  const auto refused = synthesize_pdf(orphan, a.path());
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, Errc::invalid_config);
}

}  // namespace
}  // namespace radloop::modality
