// Reading request targets: decoding, the query, segments, and the paths never served.
#include "reference/portal/target.hpp"

#include <gtest/gtest.h>

namespace radloop::portal {
namespace {

TEST(Target, DecodesThePathAndTheQuery) {
  auto target = parse_target("/fhir/Patient%20X/a+b?name=J%C3%BCrgen+M&name=x&flag&=v&&empty=");
  ASSERT_TRUE(target.ok()) << target.error().message();
  EXPECT_EQ(target->path, "/fhir/Patient X/a+b");  // '+' is a space only in a query
  const std::multimap<std::string, std::string> expected = {
      {"name", "J\xC3\xBCrgen M"}, {"name", "x"}, {"flag", ""}, {"", "v"}, {"empty", ""}};
  EXPECT_EQ(target->query, expected);
}

TEST(Target, IgnoresAFragment) {
  auto target = parse_target("/a/b?x=1#frag?y=2");
  ASSERT_TRUE(target.ok());
  EXPECT_EQ(target->path, "/a/b");
  EXPECT_EQ(target->query.size(), 1U);
}

TEST(Target, RefusesWhatIsNotAnOriginFormPath) {
  for (const auto* bad : {"", "*", "http://host/x", "fhir/Patient"}) {
    auto target = parse_target(bad);
    ASSERT_FALSE(target.ok()) << bad;
    EXPECT_EQ(target.error().code, Errc::http_bad_request);
  }
}

TEST(Target, RefusesBadPercentSequences) {
  for (const auto* bad : {"/a%", "/a%2", "/a%zz", "/a?q=%G0", "/a?%=1&b=%"}) {
    EXPECT_FALSE(parse_target(bad).ok()) << bad;
  }
}

TEST(Target, RefusesDotSegmentsAndNulBytes) {
  for (const auto* bad : {"/..", "/a/../b", "/a/./b", "/a/%2e%2E/b", "/a/..%2Fb", "/a%2F..", "/a%00b"}) {
    EXPECT_FALSE(parse_target(bad).ok()) << bad;
  }
  for (const auto* fine : {"/", "/a/...", "/a/.b", "/a..b", "/x?path=../y"}) {
    EXPECT_TRUE(parse_target(fine).ok()) << fine;
  }
}

TEST(Target, SplitsSegmentsBeforeDecodingThem) {
  const std::vector<std::string> expected = {"fhir", "Binary", "a/b c"};
  EXPECT_EQ(path_segments("/fhir/Binary/a%2Fb%20c?x=/y"), expected);
  EXPECT_EQ(path_segments("/"), std::vector<std::string>{""});
  EXPECT_EQ(path_segments("/a/"), (std::vector<std::string>{"a", ""}));
  EXPECT_FALSE(path_segments("/a%zz"));
}

TEST(Target, PercentDecodeIsExact) {
  EXPECT_EQ(percent_decode("%41%62+c", false), "Ab+c");
  EXPECT_EQ(percent_decode("%41%62+c", true), "Ab c");
  EXPECT_EQ(percent_decode("%ff%00", false), std::string("\xff\0", 2));
  EXPECT_FALSE(percent_decode("%", false));
  EXPECT_FALSE(percent_decode("abc%4", false));
}

}  // namespace
}  // namespace radloop::portal
