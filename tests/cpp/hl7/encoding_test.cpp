// Character sets: MSH-18 names, conversion to and from UTF-8.
#include "reference/hl7/encoding.hpp"

#include <gtest/gtest.h>

namespace radloop::hl7 {
namespace {

TEST(Charset, ReadsMsh18Names) {
  bool known = false;
  EXPECT_EQ(charset_from_msh18("", known), Charset::ascii);
  EXPECT_TRUE(known);
  EXPECT_EQ(charset_from_msh18(" ", known), Charset::ascii);
  EXPECT_EQ(charset_from_msh18("ASCII", known), Charset::ascii);
  EXPECT_EQ(charset_from_msh18("8859/1", known), Charset::latin1);
  EXPECT_EQ(charset_from_msh18("UNICODE UTF-8", known), Charset::utf8);
  charset_from_msh18("8859/7", known);
  EXPECT_FALSE(known);
}

TEST(Charset, Latin1BytesBecomeUtf8AndBack) {
  const std::string latin1 = "M\xFCller, Ren\xE9";
  EXPECT_EQ(to_utf8(latin1, Charset::latin1), "Müller, René");
  EXPECT_EQ(from_utf8("Müller, René", Charset::latin1).value(), latin1);
}

TEST(Charset, Windows1252ReadsTheC1RangeAsPunctuation) {
  EXPECT_EQ(to_utf8("a\x96z", Charset::windows1252), "a–z");
  EXPECT_EQ(from_utf8("a–z", Charset::windows1252).value(), "a\x96z");
}

TEST(Charset, InvalidUtf8BecomesReplacementCharacter) {
  EXPECT_EQ(to_utf8("ok\xFF", Charset::utf8), "ok\xEF\xBF\xBD");
  EXPECT_TRUE(is_valid_utf8("山田"));
  EXPECT_FALSE(is_valid_utf8("\xC3"));
  EXPECT_FALSE(is_valid_utf8("\xED\xA0\x80"));  // a surrogate
}

TEST(Charset, ACharacterTheCharsetCannotHoldIsAnError) {
  auto r = from_utf8("山田", Charset::latin1);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::hl7_unrepresentable);
  EXPECT_NE(r.error().detail.find("U+5C71"), std::string::npos);
  EXPECT_FALSE(from_utf8("é", Charset::ascii).ok());
  EXPECT_EQ(from_utf8("山田", Charset::utf8).value(), "山田");
}

TEST(Version, ReadsMajorMinorAndRefusesWhatIsNotAVersion) {
  EXPECT_EQ(version_number("2.5.1"), 205);
  EXPECT_EQ(version_number("2.3"), 203);
  EXPECT_EQ(version_number("2"), 0);
  EXPECT_EQ(version_number("x.5"), 0);
  EXPECT_EQ(version_number("1654993231.5"), 0) << "no overflow: found by the fuzzer";
}

TEST(Delimiters, WriteTheirOwnMsh2) {
  EXPECT_EQ(Delimiters{}.encoding_characters(), "^~\\&");
  EXPECT_EQ((Delimiters{'|', '^', '~', '\\', '&', '#'}.encoding_characters()), "^~\\&#");
  EXPECT_EQ((Delimiters{'|', '^', '~', '}', '\0', '\0'}.encoding_characters()), "^~}");
}

}  // namespace
}  // namespace radloop::hl7
