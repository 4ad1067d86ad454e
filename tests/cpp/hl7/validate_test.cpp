// Structural validation: each problem with its location and table 0357 code.
#include "reference/hl7/validate.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "reference/hl7/parser.hpp"

namespace radloop::hl7 {
namespace {

std::vector<Issue> issues_of(std::string_view text) {
  auto m = parse(text);
  EXPECT_TRUE(m.ok()) << m.error().message();
  return m.ok() ? validate(m.value()) : std::vector<Issue>{};
}

std::string describe(const std::vector<Issue>& issues) {
  std::string out;
  for (const auto& i : issues)
    out += fmt::format("{} {} {} {}\n", to_char(i.severity), i.code, i.where.to_string(), i.text);
  return out;
}

constexpr std::string_view kMsh = "MSH|^~\\&|EHR|GEN|RIS|RAD|20260301101500||";

std::string msg(std::string_view type, std::string_view body) {
  return std::string(kMsh) + std::string(type) + "|C1|P|2.5.1\r" + std::string(body);
}

TEST(Validate, AcceptsWellFormedRadiologyMessages) {
  for (const auto& text : {
           msg("ADT^A04^ADT_A01", "EVN|A04|20260301\rPID|1||M1^^^GEN^MR||DOE^JANE||19800101|F\rPV1|1|O\rZPI|x\r"),
           msg("ADT^A08", "EVN|A08|20260301\rPID|1||M1||DOE^JANE\rPD1\rNK1|1\rPV1|1|I\rOBX|1|NM|WT||70|kg|||||F\r"),
           msg("ADT^A40^ADT_A39", "EVN|A40|20260301\rPID|1||M1||DOE^JANE\rMRG|M0\r"),
           msg("ORM^O01",
               "PID|1||M1||DOE^JANE\rPV1|1|O\rORC|NW|P1\rOBR|1|P1||71020^CXR^C4\rZDS|1.2.3^RIS^Application^DICOM\r"),
           msg("OMI^O23^OMI_O23",
               "PID|1||M1||DOE^JANE\rORC|NW|P1\rTQ1|1\rOBR|1|P1||CT^CT HEAD\rIPC|A1|R1|1.2.3|S1|CT\r"),
           msg("ORU^R01^ORU_R01",
               "PID|1||M1||DOE^JANE\rOBR|1|P1|F1|CT^CT HEAD||||||||||||||||||F\r"
               "OBX|1|TX|IMP||Normal.||||||F\rNTE|1||note\rOBR|2|P2|F2|CT^CT NECK\r"),
           msg("ORR^O02", "MSA|AA|C0\rPID|1||M1||DOE^JANE\rORC|OK|P1\rOBR|1|P1||X^Y\r"),
           msg("ACK^O01^ACK", "MSA|AA|C0\r"),
       }) {
    const auto issues = issues_of(text);
    EXPECT_TRUE(valid(issues)) << text << "\n" << describe(issues);
  }
}

TEST(Validate, NamesAMissingRequiredSegment) {
  const auto issues = issues_of(msg("ADT^A01", "EVN|A01|20260301\rPID|1||M1||DOE^JANE\rOBX|1|NM|WT||70||||||F\r"));
  ASSERT_FALSE(valid(issues)) << describe(issues);
  EXPECT_EQ(issues[0].code, 100);
  EXPECT_EQ(issues[0].where.to_string(), "segment 4 (OBX)");
  EXPECT_NE(issues[0].text.find("PV1"), std::string::npos);
  const auto at_end = issues_of(msg("OMI^O23", "PID|1||M1||X\rORC|NW\rOBR|1|P1||CT\r"));
  ASSERT_EQ(at_end.size(), 1U) << describe(at_end);
  EXPECT_EQ(at_end[0].where.to_string(), "message");
  EXPECT_NE(at_end[0].text.find("IPC"), std::string::npos);
}

TEST(Validate, NamesASegmentOutOfOrder) {
  const auto issues = issues_of(msg("ADT^A04", "EVN|A04|20260301\rPV1|1|O\rPID|1||M1||DOE^JANE\r"));
  ASSERT_FALSE(valid(issues));
  // PID is missing where PV1 stands, and the PID after it does not fit the order.
  EXPECT_EQ(issues[0].where.to_string(), "segment 3 (PV1)") << describe(issues);
  EXPECT_EQ(issues.back().where.to_string(), "segment 4 (PID)") << describe(issues);
  EXPECT_EQ(issues.back().code, 100);
}

TEST(Validate, ToleratesZSegmentsAndWarnsOnUnknownOnes) {
  const auto issues = issues_of(msg("ORM^O01", "PID|1||M1||X\rEVN|O01|20260301\rORC|CA|P1\rZXY|1\rOBR|1|P1||X^Y\r"));
  EXPECT_TRUE(valid(issues)) << describe(issues);
  ASSERT_EQ(issues.size(), 1U) << describe(issues);
  EXPECT_EQ(issues[0].severity, Severity::warning);
  EXPECT_EQ(issues[0].where.to_string(), "segment 3 (EVN)");
}

TEST(Validate, ChecksRequiredFieldsTablesAndDates) {
  const auto text =
      describe(issues_of("MSH|^~\\&|EHR|GEN|RIS|RAD|2026-03-01||ADT^A08|C1|Q|2.5.1\rEVN|A08|THIS-IS-NOT-A-DATE\r"
                         "PID|1||\"\"||DOE^JANE||19500131T143414|Female\rPV1|1|Z\r"));
  EXPECT_NE(text.find("E 102 MSH-7.1 (segment 1)"), std::string::npos) << text;
  EXPECT_NE(text.find("E 202 MSH-11.1 (segment 1)"), std::string::npos) << text;
  EXPECT_NE(text.find("E 102 EVN-2.1 (segment 2)"), std::string::npos) << text;
  EXPECT_NE(text.find("E 101 PID-3 (segment 3)"), std::string::npos) << text;
  EXPECT_NE(text.find("E 102 PID-7.1 (segment 3)"), std::string::npos) << text;
  EXPECT_NE(text.find("E 103 PID-8 (segment 3)"), std::string::npos) << text;
  EXPECT_NE(text.find("E 103 PV1-2 (segment 4)"), std::string::npos) << text;
}

TEST(Validate, UnsupportedVersionTriggerAndType) {
  const auto text = describe(issues_of(std::string(kMsh) + "ADT|C1|P|3.0\rEVN|x|20260301\r"));
  EXPECT_NE(text.find("E 203 MSH-12.1"), std::string::npos) << text;
  EXPECT_NE(text.find("E 201 MSH-9.2"), std::string::npos) << text;
  const auto unknown = describe(issues_of(msg("ZZZ^Z01", "")));
  EXPECT_NE(unknown.find("W 200 MSH-9 (segment 1)"), std::string::npos) << unknown;
}

TEST(Validate, ObservationNeedsAValueTypeWhenItHasAValue) {
  const auto text = describe(issues_of(msg("ORU^R01", "OBR|1|P||X^Y\rOBX|1||IMP||Normal||||||F\r")));
  EXPECT_NE(text.find("E 101 OBX-2 (segment 3)"), std::string::npos) << text;
}

TEST(Validate, ABatchIsValidatedMessageByMessage) {
  auto m = parse("BHS|^~\\&\r" + msg("ACK", "MSA|AA|1\r") + "BTS|1\r").value();
  const auto issues = validate(m);
  ASSERT_EQ(issues.size(), 1U);
  EXPECT_NE(issues[0].text.find("split_messages"), std::string::npos);
  for (const auto& one : split_messages(m)) EXPECT_TRUE(valid(validate(one))) << describe(validate(one));
}

}  // namespace
}  // namespace radloop::hl7
