// Parser: delimiters, terminators, stray line breaks, batches, hostile bytes.
#include "reference/hl7/parser.hpp"

#include <gtest/gtest.h>

namespace radloop::hl7 {
namespace {

Error parse_error(std::string_view bytes, const ParseOptions& options = {}) {
  auto r = parse(bytes, options);
  EXPECT_FALSE(r.ok()) << "parsed: " << bytes;
  return r.ok() ? Error{} : r.error();
}

constexpr std::string_view kMsh = "MSH|^~\\&|RIS|RAD|EHR|GEN|20260301101500||ORU^R01|R1|P|2.5.1";

TEST(Parser, ReadsAnyLegalDelimiters) {
  auto m = parse("MSH$%~!&$GHH LAB\rPID$$$555-44-4444$$EVERYWOMAN%EVE%E%%%L\r").value();
  EXPECT_EQ(m.delimiters().field, '$');
  EXPECT_EQ(m.delimiters().escape, '!');
  EXPECT_EQ(m.get("PID-5.2").value(), "EVE");
  auto caret = parse("MSH^~|\\&^SENDING^200M^^^^^ADT~A24^C1^T^2.4\rEVN^A24\r").value();
  EXPECT_EQ(caret.get("MSH-9.2").value(), "A24");
  EXPECT_EQ(caret.get("MSH-3").value(), "SENDING");
}

TEST(Parser, ReadsTheV27TruncationCharacter) {
  auto m = parse("MSH|^~\\&#|A|B|||||ORM^O01|1|P|2.7\rNTE|1||50\\P\\ off\r").value();
  EXPECT_EQ(m.delimiters().truncation, '#');
  EXPECT_EQ(m.get("NTE-3").value(), "50# off");
  EXPECT_EQ(m.serialize(), "MSH|^~\\&#|A|B|||||ORM^O01|1|P|2.7\rNTE|1||50\\P\\ off\r");
}

TEST(Parser, RejectsUnusableEncodingCharactersWithTheirLocation) {
  for (const auto* bad :
       {"MSH|^~\\&&|", "MSH|^~|", "MSH|^~\\&$?!|", "MSH||", "MSH|^A\\&|", "MSH|^ \\&|", "MSH|^~\\||||||||||2.7\r"}) {
    const auto e = parse_error(bad);
    EXPECT_EQ(e.code, Errc::hl7_bad_encoding_chars) << bad;
    EXPECT_EQ(e.where, "MSH-2 (segment 1)") << bad;
  }
  const auto sep = parse_error("MSHH0\r");
  EXPECT_EQ(sep.where, "MSH-1 (segment 1)");
}

TEST(Parser, AcceptsAThreeCharacterMsh2BeforeV27WithAWarning) {
  auto m = parse("MSH|^~}|ADT|X|||||BAR^P01|1|P|2.4\rPID|||1&2\r").value();
  ASSERT_EQ(m.warnings().size(), 1U);
  EXPECT_EQ(m.warnings()[0].where.to_string(), "MSH-2 (segment 1)");
  EXPECT_EQ(m.get("PID-3.1").value(), "1&2");
  EXPECT_FALSE(parse("MSH|^~}|ADT|X|||||BAR^P01|1|P|2.4\r", {.strict = true}).ok());
  EXPECT_EQ(parse_error("MSH|~\\&|A|B|||||ORU^R01|1|P|2.4\r").code, Errc::hl7_bad_encoding_chars)
      << "standard characters shifted into the wrong roles";
}

TEST(Parser, ReadsADoubledBackslashInMsh2AsOne) {
  auto m = parse("MSH|^~\\\\&|A|B|||||ADT^A01|1|T|2.6\rPID|||P1^5\r").value();
  EXPECT_EQ(m.delimiters().escape, '\\');
  EXPECT_EQ(m.delimiters().subcomponent, '&');
  EXPECT_EQ(m.delimiters().truncation, '\0');
  EXPECT_EQ(m.warnings().size(), 1U);
}

TEST(Parser, AcceptsLfAndCrlfTerminatorsWithOneWarning) {
  for (const std::string sep : {"\n", "\r\n"}) {
    auto m = parse(std::string(kMsh) + sep + "PID|1||X" + sep + "OBR|1" + sep).value();
    EXPECT_EQ(m.size(), 3U);
    ASSERT_EQ(m.warnings().size(), 1U);
    EXPECT_EQ(m.warnings()[0].where.to_string(), "line 1");
    EXPECT_EQ(m.serialize(), std::string(kMsh) + "\rPID|1||X\rOBR|1\r");
    EXPECT_FALSE(parse(std::string(kMsh) + sep + "PID|1", {.strict = true}).ok());
  }
}

TEST(Parser, RecoversRawLineBreaksInsideObx5) {
  const std::string text =
      std::string(kMsh) + "\rOBX|1|TX|^IMPRESSION||No acute disease.\rHeart size normal.\r\rSigned||||||F\rNTE|1\r";
  auto m = parse(text).value();
  ASSERT_EQ(m.size(), 3U);
  EXPECT_EQ(m.get("OBX-5").value(), "No acute disease.\nHeart size normal.\n\nSigned");
  EXPECT_EQ(m.get("OBX-11").value(), "F");
  ASSERT_EQ(m.warnings().size(), 2U);
  EXPECT_EQ(m.warnings()[0].where.to_string(), "OBX-5 (segment 2)");
  // The repaired message is canonical: \.br\ where the raw breaks were.
  EXPECT_EQ(m.serialize(), std::string(kMsh) +
                               "\rOBX|1|TX|^IMPRESSION||No acute disease.\\.br\\Heart size normal.\\.br\\\\.br\\Signed"
                               "||||||F\rNTE|1\r");
  const auto strict = parse_error(text, {.strict = true});
  EXPECT_EQ(strict.code, Errc::hl7_malformed);
  EXPECT_EQ(strict.where, "line 3");
}

TEST(Parser, AStrayBreakOutsideANarrativeFieldIsAnError) {
  const auto e = parse_error(std::string(kMsh) + "\rOBX|8|ST|Test\r\r\rString value||20090505||||||F\r");
  EXPECT_EQ(e.code, Errc::hl7_malformed);
  EXPECT_EQ(e.where, "line 5");
  EXPECT_NE(e.detail.find("OBX-3"), std::string::npos) << e.detail;
}

TEST(Parser, ABadSegmentIdIsAnError) {
  const auto e = parse_error(std::string(kMsh) + "\rI|||13198751\r");
  EXPECT_EQ(e.where, "line 2");
  EXPECT_EQ(parse_error(std::string(kMsh) + "\rPid|1\r").where, "line 2");
}

TEST(Parser, RejectsControlBytesWithLineAndColumn) {
  const auto e = parse_error(std::string(kMsh) + "\rPID|1||A" + std::string(1, '\0') + "B\r");
  EXPECT_EQ(e.code, Errc::hl7_malformed);
  EXPECT_EQ(e.where, "line 2, column 9");
  EXPECT_EQ(parse_error(std::string(kMsh) + "\x1c\r").where, "line 1, column 60");
}

TEST(Parser, RejectsWhatIsNotAMessage) {
  EXPECT_EQ(parse_error("").code, Errc::hl7_not_a_message);
  EXPECT_EQ(parse_error(" \r\n ").code, Errc::hl7_not_a_message);
  EXPECT_EQ(parse_error("PID|1||X\r").where, "line 1");
  EXPECT_EQ(parse_error("\x00\x00\x02MSH|^~\\&|").code, Errc::hl7_not_a_message);
  EXPECT_EQ(parse_error("MSH|^~").code, Errc::hl7_bad_encoding_chars);
  EXPECT_EQ(parse_error("MSH").where, "MSH-1 (segment 1)");
}

TEST(Parser, ALaterHeaderWithoutItsDelimitersIsAnError) {
  // Found in review: a bare "MSH" as the last line read past the end of the input.
  EXPECT_EQ(parse_error(std::string(kMsh) + "\rPID|1\rMSH").where, "MSH-1 (segment 3)");
  EXPECT_EQ(parse_error(std::string(kMsh) + "\rMSH\rPID|1\r").where, "MSH-1 (segment 2)");
  EXPECT_EQ(parse_error(std::string(kMsh) + "\rMSH|\rPID|1\r").where, "MSH-2 (segment 2)");
}

TEST(Parser, AnMshWithHundredsOfFieldsLostItsTerminators) {
  std::string run_together(kMsh);
  for (int i = 0; i < 10; ++i) run_together += "||||PID|||P33^^^MINIRIS";
  const auto e = parse_error(run_together);
  EXPECT_EQ(e.where, "segment 1 (MSH)");
}

TEST(Parser, StripsCompleteMllpFramingWithAWarning) {
  auto m = parse("\x0b" + std::string(kMsh) + "\r\x1c\r").value();
  EXPECT_EQ(m.warnings().size(), 1U);
  EXPECT_EQ(parse_error("\x0b" + std::string(kMsh) + "\r\x1c").where, "line 1");
}

TEST(Parser, ReadsBatchesAndSplitsTheirMessages) {
  const std::string batch = "FHS|^~\\&|RIS\rBHS|^~\\&|RIS\r" + std::string(kMsh) + "\rPID|1||A\r" + std::string(kMsh) +
                            "\rPID|1||B\rBTS|2\rFTS|1\r";
  auto m = parse(batch).value();
  EXPECT_TRUE(m.warnings().empty());
  EXPECT_EQ(m.serialize(), batch);
  const auto messages = split_messages(m);
  ASSERT_EQ(messages.size(), 2U);
  EXPECT_EQ(messages[1].get("PID-3").value(), "B");
  EXPECT_EQ(messages[0].size(), 2U);
}

TEST(Parser, ChecksBatchStructure) {
  EXPECT_EQ(parse_error("BHS|^~\\&|RIS\rEVN|A04\r").where, "segment 2 (EVN)");
  EXPECT_EQ(parse_error("BHS|^~\\&\r" + std::string(kMsh) + "\rBHS|^~\\&\r").where, "segment 3 (BHS)");
  EXPECT_EQ(parse_error(std::string(kMsh) + "\rFHS|^~\\&\r").where, "segment 2 (FHS)");
  EXPECT_EQ(parse_error(std::string(kMsh) + "\rBTS|1\r").where, "segment 2 (BTS)");
  auto open = parse("BHS|^~\\&\r" + std::string(kMsh) + "\r").value();
  ASSERT_EQ(open.warnings().size(), 1U);
  EXPECT_EQ(open.warnings()[0].where.to_string(), "segment 1 (BHS)");
  const auto mixed = parse_error(std::string(kMsh) + "\rMSH|^~\\&#|X\r");
  EXPECT_EQ(mixed.where, "MSH-2 (segment 2)");
}

TEST(Parser, ReadsDeclaredAndUndeclaredCharsets) {
  auto latin = parse("MSH|^~\\&|A|B|||||ADT^A08|1|P|2.5|||||DE|8859/1\rPID|||1||M\xFCller\r").value();
  EXPECT_EQ(latin.charset(), Charset::latin1);
  EXPECT_EQ(latin.get("PID-5").value(), "Müller");
  EXPECT_TRUE(latin.warnings().empty());
  auto utf8 = parse("MSH|^~\\&|A|B|||||ADT^A08|1|P|2.5|||||JP|UNICODE UTF-8\rPID|||1||山田\r").value();
  EXPECT_EQ(utf8.get("PID-5").value(), "山田");
  auto undeclared = parse(std::string(kMsh) + "\rPID|||1||Ødegård\r").value();
  EXPECT_EQ(undeclared.charset(), Charset::utf8);
  EXPECT_EQ(undeclared.warnings().size(), 1U);
  auto cp1252 = parse(std::string(kMsh) + "\rPID|||1||a\x96z\r").value();
  EXPECT_EQ(cp1252.charset(), Charset::windows1252);
  EXPECT_EQ(cp1252.get("PID-5").value(), "a–z");
  EXPECT_EQ(cp1252.serialize(), std::string(kMsh) + "\rPID|||1||a\x96z\r") << "bytes are kept as they came";
  EXPECT_FALSE(parse(std::string(kMsh) + "\rPID|||1||a\x96z\r", {.strict = true}).ok());
}

TEST(Parser, KeepsEmptyAndNullAndSpacesAsSent) {
  const std::string text = std::string(kMsh) + "\rPV1|| I|\"\"|^ ^  ^^|||&&foo^bar&bar2&^baz~~\r";
  auto m = parse(text).value();
  EXPECT_EQ(m.get("PV1-2").value(), " I");
  EXPECT_EQ(m.get("PV1-3").value(), "\"\"");
  EXPECT_EQ(m.get("PV1-4.3").value(), "  ");
  EXPECT_EQ(m.get("PV1-7.1.3").value(), "foo");
  EXPECT_EQ(m.get("PV1-7.2.3").value(), "");
  EXPECT_EQ(m.repetition_count(1, 7), 3U);
  EXPECT_EQ(m.serialize(), text);
}

TEST(Parser, SurvivesDeepAndWideInput) {
  std::string wide = std::string(kMsh) + "\rIN2";
  wide.append(100000, '|');
  auto m = parse(wide).value();
  EXPECT_EQ(m.field_count(1), 100000U);
  std::string deep = std::string(kMsh) + "\rNTE|1||";
  for (int i = 0; i < 50000; ++i) deep += "a^b&c~";
  EXPECT_EQ(parse(deep).value().repetition_count(1, 3), 50001U);
}

}  // namespace
}  // namespace radloop::hl7
