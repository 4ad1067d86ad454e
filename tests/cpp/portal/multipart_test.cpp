// multipart/related bodies as STOW-RS sends them and WADO-RS returns them, and bodies that lie.
#include "reference/portal/multipart.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <random>

namespace radloop::portal {
namespace {

constexpr std::string_view kStowType = R"(multipart/related; type="application/dicom"; boundary=B0UND)";

// DICOM-like bytes: a preamble of NULs, "DICM", and what a delimiter is made of, without one.
std::string dicom_bytes(char seed) {
  std::string bytes(128, '\0');
  bytes += "DICM";
  bytes += "\r\n--B0UN\r\n-- B0UND\n--B0UND";  // near-misses: no CRLF before, or not the boundary
  bytes += seed;
  bytes += std::string("\xff\xfe\x00\r\n", 5);
  return bytes;
}

Part dicom_part(char seed) {
  Part part;
  part.headers["content-type"] = "application/dicom";
  part.body = dicom_bytes(seed);
  return part;
}

TEST(Multipart, RoundTripsBinaryParts) {
  const std::vector<Part> parts = {dicom_part('a'), dicom_part('b'), Part{{}, ""}, Part{{{"content-id", "<x>"}}, ""}};
  const auto boundary = random_boundary();
  const auto body = build_multipart(parts, boundary);
  auto parsed = parse_multipart(multipart_related_content_type(boundary), body);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message();
  ASSERT_EQ(parsed->size(), parts.size());
  for (std::size_t i = 0; i < parts.size(); ++i) {
    EXPECT_EQ((*parsed)[i].headers, parts[i].headers) << i;
    EXPECT_EQ((*parsed)[i].body, parts[i].body) << i;
  }
}

TEST(Multipart, ReadsAStowRequestWithAQuotedBoundaryPreambleAndEpilogue) {
  const std::string body =
      "This is a preamble.\r\n"
      "--simple boundary \t\r\n"
      "Content-Type: application/dicom\r\n"
      "Content-Location:  /a.dcm \r\n"
      "X-Folded: first\r\n"
      "  second\r\n"
      "\r\n"
      "ONE\r\n"
      "--simple boundary\r\n"
      "\r\n"
      "TWO\r\n"
      "--simple boundary--\r\n"
      "epilogue, ignored\r\n";
  auto parsed = parse_multipart(R"(Multipart/Related; Boundary="simple boundary"; type="application/dicom")", body);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message();
  ASSERT_EQ(parsed->size(), 2U);
  EXPECT_EQ((*parsed)[0].headers.at("content-type"), "application/dicom");
  EXPECT_EQ((*parsed)[0].headers.at("content-location"), "/a.dcm");
  EXPECT_EQ((*parsed)[0].headers.at("x-folded"), "first second");
  EXPECT_EQ((*parsed)[0].body, "ONE");
  EXPECT_TRUE((*parsed)[1].headers.empty());
  EXPECT_EQ((*parsed)[1].body, "TWO");
}

TEST(Multipart, ReadsMediaTypeParameters) {
  auto media = parse_media_type(R"(multipart/related ; TYPE="application/dicom+xml"; boundary="a\"b"; start=x)");
  ASSERT_TRUE(media.ok()) << media.error().message();
  EXPECT_EQ(media->type, "multipart/related");
  EXPECT_EQ(media->parameters.at("type"), "application/dicom+xml");
  EXPECT_EQ(media->parameters.at("boundary"), "a\"b");
  EXPECT_EQ(media->parameters.at("start"), "x");
  EXPECT_FALSE(parse_media_type("").ok());
  EXPECT_FALSE(parse_media_type("multipart/related; boundary=\"open").ok());
  EXPECT_FALSE(parse_media_type("multipart/related; boundary").ok());
}

TEST(Multipart, BuildsTheWadoContentType) {
  EXPECT_EQ(multipart_related_content_type("abc"), R"(multipart/related; type="application/dicom"; boundary=abc)");
  // A boundary a token cannot hold is quoted, and reads back the same.
  const auto quoted = multipart_related_content_type("a b=c");
  EXPECT_EQ(quoted, R"(multipart/related; type="application/dicom"; boundary="a b=c")");
  EXPECT_EQ(parse_media_type(quoted)->parameters.at("boundary"), "a b=c");
  const auto boundary = random_boundary();
  EXPECT_EQ(boundary.size(), 32U);
  EXPECT_EQ(boundary.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_NE(boundary, random_boundary());
}

void expect_malformed(const Result<std::vector<PartView>>& parsed, const std::string& where) {
  ASSERT_FALSE(parsed.ok()) << "expected a failure at " << where;
  EXPECT_EQ(parsed.error().code, Errc::multipart_malformed);
  EXPECT_EQ(parsed.error().where, where) << parsed.error().message();
}

TEST(Multipart, RefusesAContentTypeWithoutABoundary) {
  expect_malformed(parse_multipart(R"(multipart/related; type="application/dicom")", "--x\r\n\r\nA\r\n--x--"),
                   "Content-Type");
  expect_malformed(parse_multipart("multipart/related; boundary=", "--\r\n"), "Content-Type");
  expect_malformed(parse_multipart(std::string("multipart/related; boundary=").append(71, 'b'), ""), "Content-Type");
  expect_malformed(parse_multipart("application/dicom; boundary=x", "--x\r\n\r\nA\r\n--x--"), "Content-Type");
}

TEST(Multipart, RefusesABodyWhereTheBoundaryNeverAppears) {
  expect_malformed(parse_multipart(kStowType, ""), "body");
  expect_malformed(parse_multipart(kStowType, "--OTHER\r\n\r\nA\r\n--OTHER--\r\n"), "body");
  expect_malformed(parse_multipart(kStowType, "--B0UND--\r\n"), "body");  // no parts at all
}

TEST(Multipart, RefusesABodyWithoutTheClosingDelimiter) {
  expect_malformed(parse_multipart(kStowType, "--B0UND\r\n\r\nA\r\n--B0UND"), "closing delimiter");
  expect_malformed(parse_multipart(kStowType, "--B0UND\r\n\r\nA\r\n--B0UND\r\n"), "closing delimiter");
  expect_malformed(parse_multipart(kStowType, "--B0UND\r\n\r\nA\r\n--B0UND  "), "closing delimiter");
}

TEST(Multipart, RefusesTruncatedParts) {
  // The body stops inside the second part's data (an upload cut short).
  const auto whole = build_multipart({dicom_part('a'), dicom_part('b')}, "B0UND");
  const auto cut = whole.substr(0, whole.size() - 40);
  expect_malformed(parse_multipart(kStowType, cut), "part 2");
  // Headers that never end before the next boundary, or with no blank line at all.
  expect_malformed(parse_multipart(kStowType, "--B0UND\r\nContent-Type: a\r\n--B0UND--"), "part 1 headers");
  expect_malformed(parse_multipart(kStowType, "--B0UND\r\n--B0UND--"), "part 1 headers");
  expect_malformed(parse_multipart(kStowType, "--B0UND\r\nno colon here\r\n\r\nA\r\n--B0UND--"), "part 1 headers");
  expect_malformed(parse_multipart(kStowType, "--B0UNDX\r\n\r\nA\r\n--B0UND--"), "part 1");
}

TEST(Multipart, ReadsAPartWithHeadersAndNoBody) {
  auto parsed = parse_multipart(kStowType, "--B0UND\r\nContent-Type: a\r\n\r\n--B0UND--");
  ASSERT_TRUE(parsed.ok()) << parsed.error().message();
  EXPECT_EQ((*parsed)[0].headers.at("content-type"), "a");
  EXPECT_EQ((*parsed)[0].body, "");
}

TEST(Multipart, RefusesAMegabyteOfGarbageQuickly) {
  std::mt19937 random(7);  // fixed: a failure is reproducible
  std::uniform_int_distribution<int> byte(0, 255);
  std::string garbage(std::size_t{1024} * 1024, '\0');
  for (auto& c : garbage) c = static_cast<char>(byte(random));
  const auto began = std::chrono::steady_clock::now();
  expect_malformed(parse_multipart(kStowType, garbage), "body");
  // Garbage that opens with the boundary and then never closes.
  const auto opened = std::string("--B0UND\r\n\r\n") + garbage;
  expect_malformed(parse_multipart(kStowType, opened), "part 1");
  // Delimiter look-alikes over and over: the search must stay linear.
  std::string near_misses;
  while (near_misses.size() < std::size_t{1024} * 1024) near_misses += "\r\n--B0UN\r\n--B0U";
  const auto misses = std::string("--B0UND\r\n\r\n") + near_misses;
  expect_malformed(parse_multipart(kStowType, misses), "part 1");
  EXPECT_LT(std::chrono::steady_clock::now() - began, std::chrono::seconds(5));
}

TEST(Multipart, SurvivesEveryTruncationOfAValidBody) {
  const auto whole = build_multipart({dicom_part('a'), Part{{{"content-type", "x"}}, "y"}}, "B0UND");
  for (std::size_t n = 0; n < whole.size(); ++n) {
    auto parsed = parse_multipart(kStowType, std::string_view(whole).substr(0, n));
    // Cutting only the final CRLF after "--B0UND--" leaves a complete body.
    if (n >= whole.size() - 2) {
      EXPECT_TRUE(parsed.ok()) << n;
    } else {
      EXPECT_FALSE(parsed.ok()) << n;
    }
  }
}

// Five million empty parts fit in 64 MiB; each would cost a record. Past the cap the body is
// refused as a whole, before any part is stored.
TEST(Multipart, RefusesMorePartsThanTheCap) {
  std::string body;
  for (int i = 0; i < 3; ++i) body += "--B0UND\r\n\r\nx\r\n";
  body += "--B0UND--\r\n";
  EXPECT_EQ(parse_multipart(kStowType, body, 3)->size(), 3U);
  const auto refused = parse_multipart(kStowType, body, 2);
  expect_malformed(refused, "body");
  EXPECT_EQ(refused.error().detail, "more than 2 parts; send them in several requests");
}

}  // namespace
}  // namespace radloop::portal
