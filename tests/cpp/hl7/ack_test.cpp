// ACK building (original and enhanced mode, ERR in both version styles) and reading.
#include "reference/hl7/ack.hpp"

#include <gtest/gtest.h>

#include "reference/hl7/parser.hpp"
#include "reference/hl7/segments.hpp"

namespace radloop::hl7 {
namespace {

AckOptions options() { return AckOptions{"ACK0001", "20260301120000", ""}; }

TEST(Ack, OriginalModeSwapsPartiesAndEchoesTheControlId) {
  const auto original =
      parse("MSH|^~\\&|EHR|GEN|RIS|RAD|20260301||ADT^A04^ADT_A01|C42|P|2.5.1|||||US|8859/1\rEVN|A04|20260301\r")
          .value();
  const auto ack = build_ack(original, Outcome::accepted, {}, options());
  EXPECT_EQ(ack.serialize(),
            "MSH|^~\\&|RIS|RAD|EHR|GEN|20260301120000||ACK^A04^ACK|ACK0001|P|2.5.1||||||8859/1\rMSA|AA|C42\r");
  EXPECT_EQ(to_string(ack_code(original, Outcome::error)), "AE");
  EXPECT_EQ(to_string(ack_code(original, Outcome::rejected)), "AR");
}

TEST(Ack, EnhancedModeWhenMsh15Or16AskForIt) {
  const auto original = parse("MSH|^~\\&|EHR|GEN|RIS|RAD|20260301||ORM^O01|C1|P|2.5|||AL|NE\r").value();
  EXPECT_TRUE(enhanced_mode(original));
  EXPECT_EQ(first<Msa>(build_ack(original, Outcome::accepted, {}, options()))->code(), "CA");
  EXPECT_EQ(to_string(ack_code(original, Outcome::error)), "CE");
  EXPECT_EQ(to_string(ack_code(original, Outcome::rejected)), "CR");
}

TEST(Ack, ErrSegmentsCarryLocationCodeAndSeverity) {
  const auto original = parse("MSH|^~\\&|EHR|GEN|RIS|RAD|20260301||ORU^R01|C7|P|2.5.1\rOBX|1\rOBX|2|TX\r").value();
  Location where = Location::of_segment(3, "OBX", 5);
  where.component = 1;
  const std::vector<Issue> issues = {{Severity::error, where, 101, "OBX-5 is empty"},
                                     {Severity::warning, Location::of_segment(2, "OBX"), 100, "odd"}};
  const auto ack = build_ack(original, Outcome::error, issues, options());
  const auto text = ack.serialize();
  EXPECT_NE(text.find("MSA|AE|C7|OBX-5 is empty\r"), std::string::npos) << text;
  EXPECT_NE(text.find("ERR||OBX^2^5^1^1|101^Required field missing^HL70357|E||||OBX-5 is empty\r"), std::string::npos)
      << text;
  EXPECT_NE(text.find("ERR||OBX^1|100^Segment sequence error^HL70357|W||||odd\r"), std::string::npos) << text;
  const auto read = read_ack(text).value();
  EXPECT_EQ(read.code, "AE");
  EXPECT_EQ(read.error_codes, (std::vector<std::string>{"101", "100"}));
}

// A message broken in many places gets a bounded ACK: the first kMaxErrSegments issues, then one
// ERR saying how many more there were.
TEST(Ack, ListsAtMostKMaxErrSegmentsIssuesAndCountsTheRest) {
  const auto original = parse("MSH|^~\\&|EHR|GEN|RIS|RAD|20260301||ORU^R01|C7|P|2.5.1\rOBX|1\r").value();
  std::vector<Issue> issues(kMaxErrSegments + 10, Issue{Severity::error, Location::of_segment(2, "OBX"), 100, "odd"});
  const auto ack = build_ack(original, Outcome::error, issues, options());
  const auto errs = ack.find_all("ERR");
  ASSERT_EQ(errs.size(), kMaxErrSegments + 1);
  EXPECT_NE(ack.serialize().find("|I||||10 more issues are not listed\r"), std::string::npos) << ack.serialize();
}

TEST(Ack, BeforeV25TheLocationGoesInErr1) {
  const auto original = parse("MSH|^~\\&|EHR|GEN|RIS|RAD|20260301||ADT^A08|C8|P|2.3\rPID|1\r").value();
  const auto ack =
      build_ack(original, Outcome::error, {{Severity::error, Location::of_segment(2, "PID", 3), 101, "x"}}, options());
  EXPECT_NE(ack.serialize().find("ERR|PID^1^3^101&Required field missing&HL70357\r"), std::string::npos)
      << ack.serialize();
  EXPECT_EQ(read_ack(ack.serialize())->error_codes, std::vector<std::string>{"101"});
  // A three-character MSH-2 has no sub-component separator: the code stands alone.
  const auto short_encoding = parse("MSH|^~\\|EHR|GEN|RIS|RAD|20260301||ADT^A08|C9|P|2.3\rPID|1\r").value();
  const auto text = build_ack(short_encoding, Outcome::error,
                              {{Severity::error, Location::of_segment(2, "PID", 3), 101, "x"}}, options())
                        .serialize();
  EXPECT_NE(text.find("ERR|PID^1^3^101\r"), std::string::npos) << text;
  EXPECT_EQ(text.find('\0'), std::string::npos);
}

TEST(Ack, UsesTheOriginalsDelimitersAndEscapesText) {
  const auto original = parse("MSH$%~!&$EHR$GEN$RIS$RAD$20260301$$ORU%R01$C9$P$2.5\r").value();
  const auto ack = build_ack(original, Outcome::rejected, {}, {"A1", "20260301", "bad $ and % here"});
  EXPECT_EQ(ack.serialize(),
            "MSH$%~!&$RIS$RAD$EHR$GEN$20260301$$ACK%R01%ACK$A1$P$2.5\rMSA$AR$C9$bad !F! and !S! here\r");
  EXPECT_EQ(read_ack(ack.serialize())->text, "bad $ and % here");
}

TEST(Ack, TextTheCharsetCannotHoldStillReachesTheAck) {
  const auto original = parse("MSH|^~\\&|EHR|GEN|RIS|RAD|20260301||ADT^A08|C1|P|2.5.1\rPID|1\r").value();
  const auto ack = build_ack(original, Outcome::error,
                             {{Severity::error, Location::of_segment(2, "PID", 8), 103, "PID-8 'Ødegård'"}}, options());
  const auto read = read_ack(ack.serialize()).value();
  EXPECT_EQ(read.text, "PID-8 '?deg?rd'");
  EXPECT_EQ(read.error_codes, std::vector<std::string>{"103"});
}

TEST(Ack, RejectForUnreadableInput) {
  const Error why{Errc::hl7_not_a_message, "line 1", "the first segment is 'GET'"};
  const auto ack = build_reject(why, options(), "X1");
  const auto read = read_ack(ack.serialize()).value();
  EXPECT_EQ(read.code, "AR");
  EXPECT_EQ(read.acknowledged_id, "X1");
  EXPECT_EQ(read.error_codes, std::vector<std::string>{"100"});
  EXPECT_NE(read.text.find("not an HL7 v2 message"), std::string::npos);
}

TEST(Ack, ReadingARepliesWithoutMsaFails) {
  EXPECT_FALSE(read_ack("MSH|^~\\&|A|B|||||ACK|1|P|2.5\r").ok());
  EXPECT_FALSE(read_ack("garbage").ok());
  EXPECT_TRUE(is_accepted("CA"));
  EXPECT_FALSE(is_accepted("CE"));
}

TEST(Ack, AnAckNamingAnotherMessageOrNoneIsNoAnswer) {
  AckSummary ack;
  ack.code = "AA";
  ack.acknowledged_id = "MSG1";
  EXPECT_FALSE(not_an_answer_to(ack, "MSG1").has_value());
  const auto other = not_an_answer_to(ack, "MSG2");
  ASSERT_TRUE(other.has_value());
  EXPECT_NE(other->find("acknowledges MSG1 in MSA-2, not MSG2"), std::string::npos) << *other;
  ack.acknowledged_id.clear();
  const auto blank = not_an_answer_to(ack, "MSG1");
  ASSERT_TRUE(blank.has_value());
  EXPECT_NE(blank->find("empty MSA-2"), std::string::npos) << *blank;
  // Nothing sent to compare with (a message with no MSH-10): nothing to say.
  EXPECT_FALSE(not_an_answer_to(ack, "").has_value());
}

}  // namespace
}  // namespace radloop::hl7
