// Report objects the modality simulator writes (Basic Text SR, encapsulated PDF), read back by
// the archive's reader and turned into report records.
#include "reference/report/dicom_report.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "simulators/modality/report_document.hpp"
#include "tests/cpp/modality/study_fixture.hpp"

namespace radloop::report {
namespace {

modality::ReportDocument document(bool verified) {
  modality::ReportDocument d;
  d.seed = 5;
  d.patient = {"MRN12345", "GENERAL", "DOE^JANE", "19700412", "F"};
  d.order = {"ACC000042", "RP0042", "CT CHEST", "SPS0042", "HOUSE^GREGORY"};
  d.study_instance_uid = "1.2.826.0.1.3680043.9.7433.42";
  d.sections = {{"Findings", "Lungs are clear.\nNo effusion."},
                {"Impression", "No acute disease."},
                {"Addendum", "Compared with prior: unchanged."}};
  d.verified = verified;
  return d;
}

TEST(DicomReport, AStructuredReportBecomesSectionsAndAStatus) {
  modality::testing::ScratchDir dir;
  const auto written = modality::synthesize_sr(document(true), dir.path());
  ASSERT_TRUE(written.ok());
  const auto sr = dicom::read_structured_report(written->path.string());
  ASSERT_TRUE(sr.ok()) << sr.error().message();
  const auto r = report_from_sr(*sr);
  EXPECT_EQ(r.status, Status::final_);
  EXPECT_EQ(r.patient_id, "MRN12345");
  EXPECT_EQ(r.accession, "ACC000042");
  EXPECT_EQ(r.study_instance_uid, "1.2.826.0.1.3680043.9.7433.42");
  EXPECT_EQ(r.interpreter, "RADIOLOGIST^ANNA");
  ASSERT_EQ(r.sections.size(), 3U);
  EXPECT_EQ(r.sections[0].heading, "Findings");
  EXPECT_EQ(r.sections[0].text, "Lungs are clear.\nNo effusion.");
  EXPECT_EQ(r.sections[1].heading, "Impressions");
  EXPECT_EQ(r.sections[1].text, "No acute disease.");
  // The simulator codes a heading DCM has no code for as "History" (121060), so its "Addendum"
  // arrives as a plain section; see the next test for an addendum container.
  EXPECT_EQ(r.sections[2].heading, "History");
  EXPECT_TRUE(r.addenda.empty());

  const auto preliminary = modality::synthesize_sr(document(false), dir.path() / "p");
  ASSERT_TRUE(preliminary.ok());
  EXPECT_EQ(report_from_sr(*dicom::read_structured_report(preliminary->path.string())).status, Status::preliminary);
}

// The content tree walk on a plain record: nested containers, NUM, CODE and an addendum.
TEST(DicomReport, WalksTheContentTreeIntoLinesCodesAndAddenda) {
  dicom::SrDocument sr;
  sr.completion_flag = "PARTIAL";
  sr.verification_flag = "VERIFIED";
  sr.root = {"", "CONTAINER", "18748-4", "Diagnostic Imaging Report", "", "", "", {}};
  dicom::SrItem findings{"CONTAINS", "CONTAINER", "121070", "Findings", "", "", "", {}};
  findings.children.push_back({"CONTAINS", "TEXT", "121071", "Finding", "Nodule in the right upper lobe.", "", "", {}});
  findings.children.push_back({"CONTAINS", "NUM", "G-D7FE", "Diameter", "8 mm", "mm", "", {}});
  findings.children.push_back({"CONTAINS", "CODE", "121071", "Finding", "Lung nodule", "427359005", "SCT", {}});
  sr.root.children.push_back(findings);
  sr.root.children.push_back({"CONTAINS",
                              "CONTAINER",
                              "",
                              "Addendum",
                              "",
                              "",
                              "",
                              {{"CONTAINS", "TEXT", "", "", "Stable since 2024.", "", "", {}}}});
  const auto r = report_from_sr(sr);
  EXPECT_EQ(r.status, Status::preliminary);  // PARTIAL, even though verified
  ASSERT_EQ(r.sections.size(), 1U);
  EXPECT_EQ(r.sections[0].text, "Nodule in the right upper lobe.\nDiameter: 8 mm\nFinding: Lung nodule");
  ASSERT_EQ(r.coded.size(), 1U);
  EXPECT_EQ(r.coded[0].code, "427359005");
  ASSERT_EQ(r.addenda.size(), 1U);
  EXPECT_EQ(r.addenda[0].text, "Stable since 2024.");
}

TEST(DicomReport, AnEncapsulatedPdfIsKeptAsAnAttachment) {
  modality::testing::ScratchDir dir;
  const auto written = modality::synthesize_pdf(document(true), dir.path());
  ASSERT_TRUE(written.ok());
  const auto pdf = dicom::read_encapsulated_document(written->path.string());
  ASSERT_TRUE(pdf.ok()) << pdf.error().message();
  const auto r = report_from_pdf(*pdf);
  EXPECT_EQ(r.status, Status::unknown);
  EXPECT_TRUE(r.sections.empty());  // no text guessed
  ASSERT_EQ(r.attachments.size(), 1U);
  const auto& a = r.attachments[0];
  EXPECT_EQ(a.mime_type, "application/pdf");
  EXPECT_TRUE(a.bytes.starts_with("%PDF-1.4"));
  EXPECT_TRUE(a.bytes.ends_with("%%EOF\n"));  // the even-length pad byte is not part of it
  EXPECT_EQ(a.digest.size(), 32U);
  EXPECT_EQ(r.accession, "ACC000042");
}

TEST(DicomReport, RefusesWhatIsNotAReportObject) {
  modality::testing::ScratchDir dir;
  auto spec = modality::testing::sample_spec(modality::Modality::ct);
  const auto image = modality::synthesize_study(spec, dir.path());
  ASSERT_TRUE(image.ok());
  EXPECT_EQ(dicom::read_structured_report(image->front().path.string()).error().code, Errc::invalid_config);
  EXPECT_EQ(dicom::read_encapsulated_document(image->front().path.string()).error().code, Errc::invalid_config);
  const auto junk = dir.path() / "junk.dcm";
  std::ofstream(junk) << "not DICOM";
  // Refused by the shape check before DCMTK parses a byte of it.
  EXPECT_EQ(dicom::read_structured_report(junk.string()).error().code, Errc::dicom_refused);
}

}  // namespace
}  // namespace radloop::report
