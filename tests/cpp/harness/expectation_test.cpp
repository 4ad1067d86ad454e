// Typed expectations: values, alternatives and DIMSE status classes.
#include "harness/expectation.hpp"

#include <gtest/gtest.h>

namespace radloop::harness {
namespace {

TEST(Expected, AScalarIsTypedAsWritten) {
  EXPECT_EQ(expected_from_text("2").any_of, std::vector<nlohmann::json>{2});
  EXPECT_EQ(expected_from_text("true").any_of, std::vector<nlohmann::json>{true});
  EXPECT_EQ(expected_from_text("AA").any_of, std::vector<nlohmann::json>{"AA"});
  // Leading zeros are part of an identifier, not a number.
  EXPECT_EQ(expected_from_text("0012345").any_of, std::vector<nlohmann::json>{"0012345"});
  EXPECT_EQ(expected_from_text("0x0000").any_of, std::vector<nlohmann::json>{"0x0000"});
}

TEST(Expected, AlternativesByBarOrList) {
  const auto e = expected_from_text("AA|AE");
  EXPECT_EQ(e.any_of.size(), 2U);
  EXPECT_TRUE(e.matches("AE"));
  EXPECT_FALSE(e.matches("AR"));
  EXPECT_EQ(e.text(), "AA or AE");
  EXPECT_EQ(to_json(e), nlohmann::json::array({"AA", "AE"}));
  // A bar with nothing on one side is text as written.
  EXPECT_EQ(expected_from_text("A|").any_of, std::vector<nlohmann::json>{"A|"});
  const auto list = expected_from_list({"success", "warning"});
  EXPECT_TRUE(list.matches("0xB000"));
  EXPECT_TRUE(list.matches("0x0000"));
  EXPECT_FALSE(list.matches("0xA700"));
}

TEST(Expected, ANumberMatchesItsDecimalTextAndNothingElse) {
  const auto two = expected_from_text("2");
  EXPECT_TRUE(two.matches(2));
  EXPECT_TRUE(two.matches("2"));
  EXPECT_FALSE(two.matches("02x"));
  EXPECT_FALSE(two.matches(3));
  EXPECT_FALSE(two.matches(true));
  // An identifier with leading zeros is not the number it spells.
  EXPECT_FALSE(expected_from_text("12345").matches("0012345"));
}

TEST(DimseClass, FollowsPs37AnnexC) {
  EXPECT_EQ(dimse_class(0x0000), "success");
  EXPECT_EQ(dimse_class(0xB000), "warning");
  EXPECT_EQ(dimse_class(0xB007), "warning");
  EXPECT_EQ(dimse_class(0x0107), "warning");
  EXPECT_EQ(dimse_class(0x0116), "warning");
  EXPECT_EQ(dimse_class(0x0001), "warning");
  EXPECT_EQ(dimse_class(0xA700), "failure");
  EXPECT_EQ(dimse_class(0xC211), "failure");
  EXPECT_EQ(dimse_class(0x0110), "failure");
  EXPECT_EQ(dimse_class(0xFE00), "cancel");
  EXPECT_EQ(dimse_class(0xFF00), "pending");
  EXPECT_EQ(dimse_class(0xFF01), "pending");
}

}  // namespace
}  // namespace radloop::harness
