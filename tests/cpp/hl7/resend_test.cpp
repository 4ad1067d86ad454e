#include "reference/hl7/resend.hpp"

#include <gtest/gtest.h>

#include <string>

namespace radloop::hl7 {
namespace {

const std::string kFirst =
    "MSH|^~\\&|EHR|GENERAL|RADLOOP|RAD|20260101120000||ADT^A04|P0001|P|2.5.1\rPID|1||123^^^GENERAL^MR||DOE^JANE\r";

std::string restamped_with_crlf(std::string message) {
  message.replace(message.find("20260101120000"), 14, "20260102083000");
  std::string out;
  for (const char c : message) out += c == '\r' ? std::string("\r\n") : std::string(1, c);
  return out;
}

TEST(Resend, ANewTimestampAndOtherLineBreaksAreTheSameMessage) {
  EXPECT_TRUE(same_message(kFirst, kFirst));
  EXPECT_TRUE(same_message(kFirst, restamped_with_crlf(kFirst)));
  EXPECT_EQ(resend_digest(kFirst), resend_digest(restamped_with_crlf(kFirst)));
}

TEST(Resend, AnyOtherFieldMakesAnotherMessage) {
  std::string other = kFirst;
  other.replace(other.find("DOE^JANE"), 8, "ROE^JOHN");
  EXPECT_FALSE(same_message(kFirst, other));
  EXPECT_NE(resend_digest(kFirst), resend_digest(other));
  std::string retyped = kFirst;
  retyped.replace(retyped.find("A04"), 3, "A08");
  EXPECT_NE(resend_digest(kFirst), resend_digest(retyped));
}

TEST(Resend, TheDigestIsSha256InHex) {
  const auto digest = resend_digest(kFirst);
  ASSERT_EQ(digest.size(), 64U);
  EXPECT_EQ(digest.find_first_not_of("0123456789abcdef"), std::string::npos) << digest;
  // Digests are kept for years: what a message's digest is must not change between builds, or a
  // resend of a message whose payload is gone would be refused. SHA-256 of kFirst with MSH-7
  // emptied and each segment ended by CR, as the parser writes it back.
  EXPECT_EQ(digest, "ef5f02466eb86a21d2f7d0a955c4fd86472bf3445fa4e1c6131e5b73f537a228");
  // What does not parse is digested as it is, line breaks aside: SHA-256("x").
  EXPECT_EQ(resend_digest("x\r\n"), "2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881");
}

}  // namespace
}  // namespace radloop::hl7
