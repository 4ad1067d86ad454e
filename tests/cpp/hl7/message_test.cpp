// Message: path access, editing, building and serializing.
#include "reference/hl7/message.hpp"

#include <gtest/gtest.h>

#include "reference/hl7/parser.hpp"

namespace radloop::hl7 {
namespace {

constexpr std::string_view kOru =
    "MSH|^~\\&|RIS|RAD|EHR|GEN|20260301101500||ORU^R01^ORU_R01|R0001|P|2.5.1\r"
    "PID|1||MRN1^^^GEN^MR~99-1^^^STATE^SS||\"\"|||F\r"
    "OBR|1|PLC1|ACC1|71020^CHEST 2 VIEWS^C4|||20260301100000|||||||||||||||||F\r"
    "OBX|1|TX|59776-5^FINDINGS^LN||Lungs are clear.\\.br\\No effusion.||||||F\r"
    "OBX|2|TX|19005-8^IMPRESSION^LN||Normal chest~No change||||||F\r";

Message sample() { return parse(kOru).value(); }

TEST(Message, GetsDecodedValuesAtEveryLevel) {
  const auto m = sample();
  EXPECT_EQ(m.get("MSH-1").value(), "|");
  EXPECT_EQ(m.get("MSH-2").value(), "^~\\&");
  EXPECT_EQ(m.get("MSH-9").value(), "ORU^R01^ORU_R01");
  EXPECT_EQ(m.get("MSH-9.2").value(), "R01");
  EXPECT_EQ(m.get("PID-3(2).4").value(), "STATE");
  EXPECT_EQ(m.get("PID-3.1").value(), "MRN1");
  EXPECT_EQ(m.get("PID-3").value(), "MRN1^^^GEN^MR~99-1^^^STATE^SS");
  EXPECT_EQ(m.get("OBX-5").value(), "Lungs are clear.\nNo effusion.");
  EXPECT_EQ(m.get("OBX(2)-5(2)").value(), "No change");
  EXPECT_EQ(m.get("OBR-4.2").value(), "CHEST 2 VIEWS");
}

TEST(Message, TellsEmptyFromExplicitNull) {
  const auto m = sample();
  EXPECT_EQ(m.get("PID-5").value(), "\"\"");
  EXPECT_TRUE(m.is_null("PID-5"));
  EXPECT_EQ(m.get("PID-6").value(), "");
  EXPECT_FALSE(m.is_null("PID-6"));
}

TEST(Message, AbsentElementsAreEmptyNotErrors) {
  const auto m = sample();
  EXPECT_EQ(m.get("PID-3(7).1").value(), "");
  EXPECT_EQ(m.get("ZDS-1").value(), "");
  EXPECT_EQ(m.get("OBX(9)-5").value(), "");
  EXPECT_EQ(m.get("PID-99").value(), "");
  EXPECT_FALSE(m.get("PID-x").ok());
}

TEST(Message, SetEscapesAndCreatesWhatIsMissing) {
  auto m = sample();
  ASSERT_TRUE(m.set("PID-5.1", "O'BRIEN|SMITH"));
  ASSERT_TRUE(m.set("PID-5.2", "ANN"));
  EXPECT_EQ(m.raw("PID-5").value(), "O'BRIEN\\F\\SMITH^ANN");
  EXPECT_EQ(m.get("PID-5.1").value(), "O'BRIEN|SMITH");
  ASSERT_TRUE(m.set("PID-3(3).4.2", "1.2.3"));
  EXPECT_EQ(m.raw("PID-3").value(), "MRN1^^^GEN^MR~99-1^^^STATE^SS~^^^&1.2.3");
  ASSERT_TRUE(m.set("PID-30", "N"));
  EXPECT_EQ(m.field_count(1), 30U);
  EXPECT_EQ(m.get("PID-30").value(), "N");
}

TEST(Message, SetAppendsTheNextOccurrenceOfASegmentOnly) {
  auto m = sample();
  ASSERT_TRUE(m.set("OBX(3)-5", "Addendum"));
  EXPECT_EQ(m.size(), 6U);
  EXPECT_EQ(m.segment_id(5), "OBX");
  auto far = m.set("OBX(9)-5", "x");
  ASSERT_FALSE(far.ok());
  EXPECT_EQ(far.error().code, Errc::hl7_bad_path);
  ASSERT_TRUE(m.set("ZDS-1.1", "1.2.840.99"));
  EXPECT_EQ(m.get("ZDS-1.1").value(), "1.2.840.99");
}

TEST(Message, RefusesToEditTheDelimitersOrBreakAField) {
  auto m = sample();
  EXPECT_FALSE(m.set("MSH-2", "#").ok());
  EXPECT_FALSE(m.set_raw("PID-5", "a|b").ok());
  EXPECT_FALSE(m.set_raw("PID-5", "a\rPID|").ok());
}

TEST(Message, SetWritesInTheDeclaredCharset) {
  auto m = sample();
  EXPECT_FALSE(m.set("PID-5.1", "Ødegård").ok()) << "ASCII is declared";
  ASSERT_TRUE(m.set("MSH-18", "8859/1"));
  ASSERT_TRUE(m.set("PID-5.1", "Ødegård"));
  EXPECT_EQ(m.raw("PID-5.1").value(),
            "\xD8"
            "deg\xE5rd");
  EXPECT_EQ(m.get("PID-5.1").value(), "Ødegård");
  EXPECT_FALSE(m.set("PID-5.1", "山田").ok());
  ASSERT_TRUE(m.set("MSH-18", "UNICODE UTF-8"));
  ASSERT_TRUE(m.set("PID-5.1", "山田"));
  EXPECT_EQ(m.get("PID-5.1").value(), "山田");
}

TEST(Message, CanonicalInputSerializesByteForByte) {
  EXPECT_EQ(sample().serialize(), kOru);
  const std::string no_final_cr(kOru.substr(0, kOru.size() - 1));
  EXPECT_EQ(parse(no_final_cr).value().serialize(), no_final_cr);
}

TEST(Message, ABuiltMessageParsesBackEqual) {
  Message m = Message::with_header();
  ASSERT_TRUE(m.set("MSH-3", "RADLOOP"));
  ASSERT_TRUE(m.set("MSH-9.1", "ADT"));
  ASSERT_TRUE(m.set("MSH-9.2", "A08"));
  ASSERT_TRUE(m.set("MSH-10", "B1"));
  ASSERT_TRUE(m.set("PID-3.1", "123"));
  ASSERT_TRUE(m.set("PID-5.1", "A^B|C~D&E\\F"));
  ASSERT_TRUE(m.set_null("PID-8"));
  ASSERT_TRUE(m.set("NTE-3", "line 1\nline 2"));
  const auto text = m.serialize();
  EXPECT_EQ(text,
            "MSH|^~\\&|RADLOOP||||||ADT^A08|B1\rPID|||123||A\\S\\B\\F\\C\\R\\D\\T\\E\\E\\F|||\"\"\r"
            "NTE|||line 1\\.br\\line 2\r");
  auto back = parse(text);
  ASSERT_TRUE(back.ok()) << back.error().message();
  EXPECT_TRUE(back.value() == m);
  EXPECT_EQ(back->get("PID-5.1").value(), "A^B|C~D&E\\F");
}

TEST(Message, GroupsFollowSegmentOrder) {
  const auto m = sample();
  const auto obr = m.groups("OBR");
  ASSERT_EQ(obr.size(), 1U);
  EXPECT_EQ(obr[0].begin, 2U);
  EXPECT_EQ(obr[0].end, 5U);
  const auto obx = m.groups("OBX", {"OBR"});
  ASSERT_EQ(obx.size(), 2U);
  EXPECT_EQ(obx[1].begin, 4U);
}

TEST(Message, SegmentsCanBeInsertedAndRemoved) {
  auto m = sample();
  const auto at = m.insert_segment(2, "PV1");
  EXPECT_EQ(at, 2U);
  ASSERT_TRUE(m.set("PV1-2", "O"));
  EXPECT_EQ(m.segment_id(2), "PV1");
  m.remove_segment(2);
  EXPECT_EQ(m.serialize(), kOru);
}

TEST(Message, ASegmentCanBeAppendedWholeFromItsFieldTexts) {
  auto m = Message::with_header();
  (void)m.set("MSH-9", "ACK");
  // ER7 as it is: separators keep their meaning; trailing empty fields are left out.
  const auto err = m.append_segment("ERR", {"", "PID^1^3", "101^Required field missing^HL70357", "E", "", ""}).value();
  EXPECT_EQ(m.segment_id(err), "ERR");
  EXPECT_EQ(m.field_count(err), 4U);
  EXPECT_EQ(m.get("ERR-2.3").value(), "3");
  EXPECT_EQ(m.get("ERR-4").value(), "E");
  (void)m.set("ERR-8", "a|b");  // the segment stays editable
  EXPECT_EQ(m.serialize(), "MSH|^~\\&|||||||ACK\rERR||PID^1^3|101^Required field missing^HL70357|E||||a\\F\\b\r");
  // A header's texts begin at field 3, after its delimiters.
  const auto bhs = m.append_segment("BHS", {"SENDER"}).value();
  EXPECT_EQ(m.field(bhs, 3), "SENDER");
  EXPECT_NE(m.serialize().find("\rBHS|^~\\&|SENDER\r"), std::string::npos) << m.serialize();
  // As set_raw: a text that would end its field or segment is refused, and nothing is added.
  const auto size = m.size();
  EXPECT_EQ(m.append_segment("ERR", {"a|b"}).error().where, "ERR-1");
  EXPECT_EQ(m.append_segment("ERR", {"", "a\rPID|1"}).error().where, "ERR-2");
  EXPECT_EQ(m.size(), size);
}

TEST(Message, SliceCopiesARunOfSegments) {
  const auto m = sample();
  const auto part = m.slice(0, 2);
  EXPECT_EQ(part.size(), 2U);
  EXPECT_EQ(part.get("PID-3(2).4").value(), "STATE");
}

}  // namespace
}  // namespace radloop::hl7
