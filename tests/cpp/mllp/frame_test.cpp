#include "reference/mllp/frame.hpp"

#include <gtest/gtest.h>

namespace radloop::mllp {
namespace {

TEST(Frame, WrapsPayloadInStartAndEndBlocks) { EXPECT_EQ(frame("MSH|x"), std::string("\x0bMSH|x\x1c\r")); }

TEST(FrameDecoder, DecodesSeveralMessagesInOneRead) {
  FrameDecoder decoder;
  std::vector<std::string> out;
  ASSERT_TRUE(decoder.feed(frame("one") + frame("two") + frame("three"), out));
  EXPECT_EQ(out, (std::vector<std::string>{"one", "two", "three"}));
}

TEST(FrameDecoder, DecodesAMessageSplitOneByteAtATime) {
  FrameDecoder decoder;
  std::vector<std::string> out;
  const auto wire = frame("MSH|^~\\&|A") + frame("B");
  for (char c : wire) ASSERT_TRUE(decoder.feed(std::string_view(&c, 1), out));
  EXPECT_EQ(out, (std::vector<std::string>{"MSH|^~\\&|A", "B"}));
  EXPECT_FALSE(decoder.in_frame());
}

TEST(FrameDecoder, DiscardsAndCountsBytesBeforeStartBlock) {
  FrameDecoder decoder;
  std::vector<std::string> out;
  ASSERT_TRUE(decoder.feed("noise\r\n" + frame("m"), out));
  EXPECT_EQ(out, std::vector<std::string>{"m"});
  EXPECT_EQ(decoder.discarded_bytes(), 7U);
}

TEST(FrameDecoder, AcceptsEndBlockWithoutCarriageReturn) {
  FrameDecoder decoder;
  std::vector<std::string> out;
  ASSERT_TRUE(
      decoder.feed("\x0b"
                   "first\x1c"
                   "\x0bsecond\x1c",
                   out));
  EXPECT_EQ(out, (std::vector<std::string>{"first", "second"}));
  EXPECT_EQ(decoder.missing_cr(), 1U);  // the second one's CR may still come
}

TEST(FrameDecoder, RejectsAFrameLargerThanTheMaximumWithoutBufferingIt) {
  FrameDecoder decoder(16);
  std::vector<std::string> out;
  ASSERT_TRUE(
      decoder.feed("\x0b"
                   "0123456789",
                   out));
  auto over = decoder.feed("0123456789", out);
  ASSERT_FALSE(over);
  EXPECT_EQ(over.error().code, Errc::mllp_frame_too_large);
  EXPECT_TRUE(out.empty());
  // Once failed, it stays failed: the connection must be closed.
  EXPECT_FALSE(decoder.feed(frame("ok"), out));
}

TEST(FrameDecoder, AcceptsAFrameOfExactlyTheMaximum) {
  FrameDecoder decoder(4);
  std::vector<std::string> out;
  ASSERT_TRUE(decoder.feed(frame("1234"), out));
  EXPECT_EQ(out, std::vector<std::string>{"1234"});
}

TEST(FrameDecoder, KeepsBinaryPayloadBytes) {
  FrameDecoder decoder;
  std::vector<std::string> out;
  const std::string payload(
      "a\0b\x0b"
      "c",
      5);  // NUL and a stray VT inside the frame
  ASSERT_TRUE(decoder.feed(frame(payload), out));
  ASSERT_EQ(out.size(), 1U);
  EXPECT_EQ(out[0], payload);
}

}  // namespace
}  // namespace radloop::mllp
