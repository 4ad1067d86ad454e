// The fault registry: every type resolves with good parameters, and a bad spec is refused with
// a message that names the fault and says what to write instead.
#include "harness/link/fault.hpp"

#include <gtest/gtest.h>

namespace radloop::harness::link {
namespace {

FaultSpec spec(std::string type, std::map<std::string, std::string> params = {}) {
  FaultSpec s;
  s.type = std::move(type);
  s.params = std::move(params);
  return s;
}

Error refusal(const FaultSpec& s) {
  auto checked = validate(s);
  EXPECT_FALSE(checked.ok()) << s.type;
  return checked.ok() ? Error{} : checked.error();
}

TEST(LinkFault, ListsEveryRegisteredType) {
  EXPECT_EQ(fault_types(), (std::vector<std::string>{"blackhole", "delay", "drop_after", "reset", "slice"}));
}

TEST(LinkFault, AcceptsEveryTypeWithGoodParameters) {
  for (const auto& good : {spec("delay", {{"ms", "100"}}), spec("delay", {{"ms", "100"}, {"jitter_ms", "0"}}),
                           spec("slice", {{"bytes", "1"}}), spec("slice", {{"bytes", "4"}, {"delay_ms", "10"}}),
                           spec("drop_after", {{"bytes", "10"}}), spec("reset"), spec("reset", {{"after_bytes", "0"}}),
                           spec("blackhole"), spec("blackhole", {{"ms", "500"}})}) {
    const auto checked = validate(good);
    EXPECT_TRUE(checked.ok()) << checked.error().message();
  }
}

TEST(LinkFault, RefusesAnUnknownTypeAndNamesTheKnownOnes) {
  const auto error = refusal(spec("lag", {{"ms", "100"}}));
  EXPECT_EQ(error.code, Errc::invalid_config);
  EXPECT_EQ(error.where, "fault lag");
  EXPECT_EQ(error.detail, "there is no fault type \"lag\"; the types are blackhole, delay, drop_after, reset, slice");
}

TEST(LinkFault, RefusesAnUnknownParameterAndNamesTheKnownOnes) {
  auto s = spec("delay", {{"ms", "100"}, {"latency", "5"}});
  s.name = "slow-ack";
  const auto error = refusal(s);
  EXPECT_EQ(error.code, Errc::invalid_config);
  EXPECT_EQ(error.where, "fault slow-ack");
  EXPECT_EQ(error.detail, "delay has no parameter \"latency\"; it takes ms, jitter_ms");
}

TEST(LinkFault, RefusesAMalformedValueAndQuotesIt) {
  EXPECT_EQ(refusal(spec("slice", {{"bytes", "x"}})).detail, "slice.bytes must be a positive integer, got \"x\"");
  EXPECT_EQ(refusal(spec("slice", {{"bytes", "0"}})).detail, "slice.bytes must be a positive integer, got \"0\"");
  EXPECT_EQ(refusal(spec("delay", {{"ms", "-5"}})).detail, "delay.ms must be a positive integer, got \"-5\"");
  EXPECT_EQ(refusal(spec("delay", {{"ms", "10 "}})).detail, "delay.ms must be a positive integer, got \"10 \"");
  EXPECT_EQ(refusal(spec("reset", {{"after_bytes", ""}})).detail,
            "reset.after_bytes must be a whole number, 0 or more, got \"\"");
  EXPECT_NE(refusal(spec("blackhole", {{"ms", "99999999999999999999"}})).detail.find("blackhole.ms"),
            std::string::npos);
}

TEST(LinkFault, RefusesAMissingRequiredParameterAndSaysWhatItIsFor) {
  const auto error = refusal(spec("drop_after"));
  EXPECT_EQ(error.where, "fault drop_after");
  EXPECT_EQ(error.detail, "drop_after.bytes is required: how many bytes pass before the connection is closed");
}

TEST(LinkFault, RefusesASpecWithoutAType) {
  const auto error = refusal(spec(""));
  EXPECT_EQ(error.code, Errc::invalid_config);
  EXPECT_NE(error.detail.find("the types are"), std::string::npos) << error.message();
}

TEST(LinkFault, MessageReadsAsOneSentenceAPersonCanActOn) {
  const auto error = refusal(spec("slice", {{"bytes", "x"}}));
  EXPECT_EQ(error.message(),
            "The configuration is invalid at fault slice: slice.bytes must be a positive integer, got \"x\"");
}

}  // namespace
}  // namespace radloop::harness::link
