#include "reference/hl7/header.hpp"

#include <gtest/gtest.h>

namespace radloop::hl7 {
namespace {

constexpr std::string_view kAdt =
    "MSH|^~\\&|EHR|GENERAL|RADLOOP|RAD|20260101120000||ADT^A04^ADT_A01|MSG0001|P|2.5.1\r"
    "PID|1||12345^^^GENERAL^MR||DOE^JANE\r";

TEST(ParseHeader, ReadsMshFields) {
  auto h = parse_header(kAdt);
  ASSERT_TRUE(h.ok()) << h.error().message();
  EXPECT_EQ(h->sending_application, "EHR");
  EXPECT_EQ(h->sending_facility, "GENERAL");
  EXPECT_EQ(h->receiving_application, "RADLOOP");
  EXPECT_EQ(h->message_type, "ADT");
  EXPECT_EQ(h->trigger_event, "A04");
  EXPECT_EQ(h->control_id, "MSG0001");
  EXPECT_EQ(h->processing_id, "P");
  EXPECT_EQ(h->version, "2.5.1");
}

TEST(ParseHeader, TakesEncodingCharactersFromTheMessage) {
  auto h = parse_header("MSH#$%@*#A#B#C#D#20260101##ORM$O01#X9#P#2.3\rPID#1\r");
  ASSERT_TRUE(h.ok()) << h.error().message();
  EXPECT_EQ(h->field_separator, '#');
  EXPECT_EQ(h->encoding_characters, "$%@*");
  EXPECT_EQ(h->message_type, "ORM");
  EXPECT_EQ(h->trigger_event, "O01");
  EXPECT_EQ(h->control_id, "X9");
}

TEST(ParseHeader, AcceptsLineFeedTerminators) {
  auto h = parse_header("MSH|^~\\&|A|B|C|D|||ADT^A08|77|P|2.4\nPID|1\n");
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->version, "2.4");
}

TEST(ParseHeader, RejectsWhatIsNotHl7) {
  for (std::string_view bad : {"", "hello", "PID|1||123", "MSH", "<xml/>"}) {
    auto h = parse_header(bad);
    ASSERT_FALSE(h.ok()) << bad;
    EXPECT_EQ(h.error().code, Errc::hl7_not_a_message) << bad;
  }
}

TEST(ParseHeader, NamesTheMissingRequiredField) {
  auto no_type = parse_header("MSH|^~\\&|A|B|C|D|||||P|2.5\r");
  ASSERT_FALSE(no_type.ok());
  EXPECT_EQ(no_type.error().where, "MSH-9");
  auto no_id = parse_header("MSH|^~\\&|A|B|C|D|||ADT^A01||P|2.5\r");
  ASSERT_FALSE(no_id.ok());
  EXPECT_EQ(no_id.error().where, "MSH-10");
  EXPECT_EQ(no_id.error().code, Errc::hl7_required_missing);
}

TEST(ParseHeader, RejectsEmptyEncodingCharacters) {
  auto h = parse_header("MSH||A|B|C|D|||ADT^A01|1|P|2.5\r");
  ASSERT_FALSE(h.ok());
  EXPECT_EQ(h.error().code, Errc::hl7_bad_encoding_chars);
}

TEST(BuildAck, AnswersWithSwappedPartiesAndOriginalControlId) {
  const auto h = parse_header(kAdt).value();
  const auto ack = build_ack(h, AckRequest{AckCode::AA, "ACK1", "20260101120001", std::nullopt});
  EXPECT_EQ(ack,
            "MSH|^~\\&|RADLOOP|RAD|EHR|GENERAL|20260101120001||ACK^A04^ACK|ACK1|P|2.5.1\r"
            "MSA|AA|MSG0001\r");
  auto summary = read_ack(ack);
  ASSERT_TRUE(summary.ok());
  EXPECT_EQ(summary->code, "AA");
  EXPECT_EQ(summary->acknowledged_id, "MSG0001");
}

TEST(BuildAck, ErrorBecomesMsa3AndErrWithTable0357Code) {
  const auto h = parse_header(kAdt).value();
  const Error e{Errc::hl7_required_missing, "PID-3", "no patient | identifier"};
  const auto ack = build_ack(h, AckRequest{AckCode::AE, "ACK2", "20260101120001", e});
  EXPECT_NE(ack.find("MSA|AE|MSG0001|A required field is empty at PID-3: no patient   identifier\r"), std::string::npos)
      << ack;
  EXPECT_NE(ack.find("\rERR||PID-3|101^^HL70357|E|"), std::string::npos) << ack;
}

TEST(BuildReject, ProducesAReadableAckWithoutAHeader) {
  const auto ack = build_reject(Error{Errc::hl7_not_a_message, "segment 1", "x"}, "R1", "20260101");
  auto summary = read_ack(ack);
  ASSERT_TRUE(summary.ok()) << ack;
  EXPECT_EQ(summary->code, "AR");
  EXPECT_EQ(summary->acknowledged_id, "");
  EXPECT_NE(summary->text.find("not an HL7 v2 message"), std::string::npos);
}

TEST(ReadAck, FailsWithoutMsa) {
  auto summary = read_ack("MSH|^~\\&|A|B|C|D|||ACK|1|P|2.5\r");
  ASSERT_FALSE(summary.ok());
  EXPECT_EQ(summary.error().where, "MSA-1");
}

}  // namespace
}  // namespace radloop::hl7
