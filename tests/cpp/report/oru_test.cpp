// ORU^R01 to a report, from the ORU cases in tests/data/hl7: sections, status, addenda kept
// apart, formatted text made plain, coded findings, the study UID from ZDS.
#include "reference/report/oru.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

#include "reference/hl7/parser.hpp"

namespace radloop::report {
namespace {

Report from_case(const std::string& name) {
  std::ifstream in(std::string(RADLOOP_SOURCE_DIR) + "/tests/data/hl7/" + name, std::ios::binary);
  const std::string bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  auto message = hl7::parse(bytes);
  EXPECT_TRUE(message.ok()) << name;
  auto report = report_from_oru(*message);
  EXPECT_TRUE(report.ok()) << name << ": " << (report.ok() ? "" : report.error().message());
  return report.ok() ? std::move(report).value() : Report{};
}

TEST(Oru, ReassemblesSectionsFromMultipleObxInOrder) {
  const auto r = from_case("014_oru-r01_ct-head-5-obx-preliminary.hl7");
  EXPECT_EQ(r.status, Status::preliminary);
  EXPECT_EQ(r.patient_id, "6612009");
  EXPECT_EQ(r.issuer, "NGH");
  EXPECT_EQ(r.accession, "ACC20260312-0077");
  EXPECT_EQ(r.modality, "CT");
  ASSERT_EQ(r.sections.size(), 2U);
  EXPECT_EQ(r.sections[0].heading, "Findings");
  EXPECT_EQ(r.sections[0].text,
            "There is no intracranial hemorrhage, mass effect or midline shift.\n"
            "The ventricles and sulci are normal in size for age.\n"
            "No acute osseous abnormality. Mastoid air cells are clear.");
  EXPECT_EQ(r.sections[1].heading, "Impression");
  ASSERT_EQ(r.coded.size(), 1U);
  EXPECT_EQ(r.coded[0].code, "S09.90XA");
  EXPECT_EQ(r.coded[0].system, "I10");
  EXPECT_EQ(r.control_id, "RIS-ORU-0001550");
}

TEST(Oru, KeepsAnAddendumAsItsOwnVersionOfTheText) {
  const auto r = from_case("017_oru-r01_corrected-with-addendum.hl7");
  EXPECT_EQ(r.status, Status::corrected);
  ASSERT_EQ(r.sections.size(), 2U);
  ASSERT_EQ(r.addenda.size(), 1U);
  EXPECT_NE(r.addenda[0].text.find("nondisplaced fracture of the left C6 lamina"), std::string::npos);
  const auto narrative = r.narrative();
  EXPECT_LT(narrative.find("IMPRESSION:"), narrative.find("ADDENDUM:"));
}

TEST(Oru, MakesFormattedTextPlain) {
  const auto r = from_case("018_oru-r01_ft-formatted-report.hl7");
  EXPECT_EQ(r.status, Status::final_);
  ASSERT_FALSE(r.sections.empty());
  const auto& text = r.sections[0].text;
  EXPECT_EQ(text.find("\\.in"), std::string::npos) << text;
  EXPECT_EQ(text.find("\\H\\"), std::string::npos) << text;
  EXPECT_NE(text.find("CT ANGIOGRAPHY CHEST\n\nFINDINGS:\nNo filling defect"), std::string::npos) << text;
  EXPECT_NE(text.find("IMPRESSION:\nNo pulmonary embolism."), std::string::npos) << text;
}

TEST(Oru, ReadsCodedFindingsAndTheStudyUidFromZds) {
  const auto mammo = from_case("020_oru-r01_mammo-birads-ce.hl7");
  ASSERT_GE(mammo.coded.size(), 2U);
  EXPECT_EQ(mammo.coded[0].code, "BI-RADS 2");
  EXPECT_EQ(mammo.coded[0].meaning, "Benign");
  EXPECT_EQ(mammo.coded[1].observation, "Breast density");
  const auto zds = from_case("022_oru-r01_zds-zpi-custom-segments.hl7");
  EXPECT_EQ(zds.study_instance_uid, "1.2.840.113619.2.55.3.2831164356.781.1742634000.4");
  EXPECT_EQ(zds.sections.at(0).text, "No interval change.");
}

TEST(Oru, FlagsCriticalResultsAndTakesTheStatusFromObxWhenObrHasNone) {
  auto message = hl7::parse(
      "MSH|^~\\&|RIS|RAD|EHR|HOSP|20260301120000||ORU^R01|C1|P|2.5\r"
      "PID|1||MRN1^^^HOSP^MR||DOE^JANE\r"
      "OBR|1|P1|F1|71045^XR CHEST^CPT4|||20260301110000|||||||||||ACC1||||||CR\r"
      "OBX|1|TX|IMP^Impression^L|1|Large right pneumothorax.|||AA|||F\r");
  ASSERT_TRUE(message.ok());
  const auto r = report_from_oru(*message);
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->status, Status::final_);
  EXPECT_TRUE(r->critical);
  EXPECT_EQ(r->abnormal_flags, std::vector<std::string>{"AA"});
}

TEST(Oru, RefusesAMessageWithoutOrderOrText) {
  auto no_obr = hl7::parse("MSH|^~\\&|RIS|RAD|EHR|HOSP|20260301120000||ORU^R01|C2|P|2.5\rPID|1||MRN1\r");
  ASSERT_TRUE(no_obr.ok());
  EXPECT_EQ(report_from_oru(*no_obr).error().code, Errc::hl7_required_missing);
  auto no_text =
      hl7::parse("MSH|^~\\&|RIS|RAD|EHR|HOSP|20260301120000||ORU^R01|C3|P|2.5\rPID|1||MRN1\rOBR|1|P1|F1|X^Y\r");
  ASSERT_TRUE(no_text.ok());
  const auto refused = report_from_oru(*no_text);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().where, "OBX");
  auto adt = hl7::parse("MSH|^~\\&|EHR|HOSP|RIS|RAD|20260301120000||ADT^A08|C4|P|2.5\rPID|1||MRN1\r");
  ASSERT_TRUE(adt.ok());
  EXPECT_EQ(report_from_oru(*adt).error().code, Errc::invalid_config);
}

TEST(PlainText, RemovesFormattingCommandsAndKeepsOtherText) {
  EXPECT_EQ(plain_text("\\.ce\\\\H\\TITLE\\N\\\\.sp\\Body"), "TITLE\nBody");
  EXPECT_EQ(plain_text("a \\ b"), "a \\ b");  // a lone escape character is text
}

}  // namespace
}  // namespace radloop::report
