// Escape sequences: every one the standard defines, decoded and encoded back.
#include "reference/hl7/escape.hpp"

#include <gtest/gtest.h>

namespace radloop::hl7 {
namespace {

const Delimiters kStd{};

TEST(Unescape, DelimiterEscapes) {
  EXPECT_EQ(unescape("a\\F\\b\\S\\c\\T\\d\\R\\e\\E\\f", kStd, Charset::ascii), "a|b^c&d~e\\f");
}

TEST(Unescape, LineBreakAndHex) {
  EXPECT_EQ(unescape("one\\.br\\two", kStd, Charset::ascii), "one\ntwo");
  EXPECT_EQ(unescape("\\X0D0A\\", kStd, Charset::ascii), "\r\n");
  EXPECT_EQ(unescape("Ren\\XE9\\", kStd, Charset::latin1), "René");
  EXPECT_EQ(unescape("Ren\\XC3A9\\", kStd, Charset::utf8), "René");
}

TEST(Unescape, PassThroughSequencesStayVerbatim) {
  EXPECT_EQ(unescape("\\H\\pH\\N\\ 7.28", kStd, Charset::ascii), "\\H\\pH\\N\\ 7.28");
  EXPECT_EQ(unescape("\\C2842\\x\\M248441\\", kStd, Charset::ascii), "\\C2842\\x\\M248441\\");
  EXPECT_EQ(unescape("a\\.sp2\\b\\.in+4\\", kStd, Charset::ascii), "a\\.sp2\\b\\.in+4\\");
  EXPECT_EQ(unescape("\\Zlocal\\", kStd, Charset::ascii), "\\Zlocal\\");
}

TEST(Unescape, ALoneEscapeCharacterIsText) {
  EXPECT_EQ(unescape("SSAET\\SSAET2", kStd, Charset::ascii), "SSAET\\SSAET2");
  EXPECT_EQ(unescape("trailing\\", kStd, Charset::ascii), "trailing\\");
}

TEST(Unescape, UsesTheMessagesOwnEscapeCharacter) {
  const Delimiters odd{'$', '%', '~', '!', '&', '\0'};
  EXPECT_EQ(unescape("a!F!b!S!c", odd, Charset::ascii), "a$b%c");
  EXPECT_EQ(unescape("a\\F\\b", odd, Charset::ascii), "a\\F\\b");
}

TEST(Unescape, TruncationEscapeOnlyWhenDeclared) {
  const Delimiters v27{'|', '^', '~', '\\', '&', '#'};
  EXPECT_EQ(unescape("a\\P\\b", v27, Charset::ascii), "a#b");
  EXPECT_EQ(unescape("a\\P\\b", kStd, Charset::ascii), "a\\P\\b");
}

TEST(Escape, EncodesDelimitersLineBreaksAndControls) {
  EXPECT_EQ(escape("a|b^c&d~e\\f", kStd, Charset::ascii).value(), "a\\F\\b\\S\\c\\T\\d\\R\\e\\E\\f");
  EXPECT_EQ(escape("one\ntwo\r", kStd, Charset::ascii).value(), "one\\.br\\two\\X0D\\");
  EXPECT_EQ(escape("tab\there", kStd, Charset::ascii).value(), "tab\\X09\\here");
}

TEST(Escape, EncodesTheTruncationCharacterAndDeleteAndKeepsOtherBytes) {
  const Delimiters v27{'|', '^', '~', '\\', '&', '#'};
  EXPECT_EQ(escape("a#b", v27, Charset::ascii).value(), "a\\P\\b");
  EXPECT_EQ(escape("a#b", kStd, Charset::ascii).value(), "a#b");
  EXPECT_EQ(escape("del\x7f", kStd, Charset::ascii).value(), "del\\X7F\\");
  EXPECT_EQ(escape("Ren\xc3\xa9 plain", kStd, Charset::utf8).value(), "Ren\xc3\xa9 plain");
  EXPECT_EQ(escape("", kStd, Charset::ascii).value(), "");
}

TEST(Escape, KeepsPassThroughSequences) {
  EXPECT_EQ(escape("\\H\\bold\\N\\", kStd, Charset::ascii).value(), "\\H\\bold\\N\\");
}

// A \Z..\ sequence is kept verbatim only while it holds no delimiter or line break: kept, those
// would end the field or segment it is written into.
TEST(Escape, ALocalSequenceHoldingADelimiterIsEscapedLikeText) {
  EXPECT_EQ(escape("a\\Zx1\\b", Delimiters{}, Charset::ascii).value(), "a\\Zx1\\b");
  EXPECT_EQ(escape("a\\Zx|y\\b", Delimiters{}, Charset::ascii).value(), "a\\E\\Zx\\F\\y\\E\\b");
  EXPECT_EQ(escape("\\Z\rPID\\", Delimiters{}, Charset::ascii).value(), "\\E\\Z\\X0D\\PID\\E\\");
}

TEST(Escape, ConvertsToTheMessageCharset) {
  EXPECT_EQ(escape("René", kStd, Charset::latin1).value(), "Ren\xE9");
  EXPECT_EQ(escape("René", kStd, Charset::utf8).value(), "René");
  EXPECT_FALSE(escape("René", kStd, Charset::ascii).ok());
}

TEST(Escape, RoundTripsThroughUnescape) {
  for (const std::string v : {"plain", "a|b", "x^y~z&w\\v", "multi\nline\ntext", "Ødegård", "\\H\\hi\\N\\"}) {
    EXPECT_EQ(unescape(escape(v, kStd, Charset::utf8).value(), kStd, Charset::utf8), v);
  }
}

}  // namespace
}  // namespace radloop::hl7
