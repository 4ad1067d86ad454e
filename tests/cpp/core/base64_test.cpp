#include "reference/core/base64.hpp"

#include <gtest/gtest.h>

namespace radloop {
namespace {

TEST(Base64, EncodesTheRfc4648Vectors) {
  EXPECT_EQ(base64_encode(""), "");
  EXPECT_EQ(base64_encode("f"), "Zg==");
  EXPECT_EQ(base64_encode("fo"), "Zm8=");
  EXPECT_EQ(base64_encode("foo"), "Zm9v");
  EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
}

TEST(Base64, DecodesWhatItEncodesAndSkipsLineBreaks) {
  const std::string bytes("\x00\xff\x10\x80 binary", 11);
  EXPECT_EQ(base64_decode(base64_encode(bytes)).value(), bytes);
  EXPECT_EQ(base64_decode("Zm9v\r\nYmFy").value(), "foobar");
  EXPECT_EQ(base64_decode("Zg==").value(), "f");
}

TEST(Base64, RefusesWhatIsNotBase64) {
  for (const char* bad : {"Zm9", "Zm9v!", "Zg==Zg==", "Z===", "@@@@"}) {
    auto r = base64_decode(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().code, Errc::invalid_input);
  }
}

}  // namespace
}  // namespace radloop
