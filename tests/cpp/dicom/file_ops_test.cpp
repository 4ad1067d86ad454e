// The instance store's digest: XXH3-128 of the data set, for files held in one read, read in
// several, and growing while they are digested; xxHash's own xxhsum is the reference.
#include "reference/dicom/internal/file_ops.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "tests/cpp/dicom/temp_dir.hpp"

namespace radloop::dicom::internal {
namespace {

// The reference digest from xxHash's own command-line tool (xxhsum -H2: XXH3-128, canonical hex).
std::string xxhsum_128(const std::filesystem::path& dir, std::string_view bytes) {
  const auto path = dir / "body.bin";
  std::ofstream(path, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  FILE* pipe = ::popen(("xxhsum -H2 '" + path.string() + "'").c_str(), "r");
  if (pipe == nullptr) return "xxhsum did not run";
  std::array<char, 128> line{};
  const bool read = std::fgets(line.data(), line.size(), pipe) != nullptr;
  ::pclose(pipe);
  if (!read) return "xxhsum said nothing";
  const std::string text(line.data());
  return text.substr(0, text.find(' '));
}

// A Part-10 image: preamble, "DICM", one group 0002 element (UI, 20 bytes), then `body`.
std::string part10(const std::string& body) {
  std::string meta(128, '\0');
  meta += "DICM";
  meta += std::string("\x02\x00\x10\x00UI\x14\x00", 8) + std::string("1.2.840.10008.1.2.1\0", 20);
  return meta + body;
}

class DigestFile : public ::testing::TestWithParam<std::size_t> {};

TEST_P(DigestFile, GivesTheSizeAndTheDataSetDigest) {
  test_support::TempDir dir("radloop-digest");
  std::string body(GetParam(), '\0');
  for (std::size_t i = 0; i < body.size(); ++i) body[i] = static_cast<char>((i * 7919U) >> 3U);
  const auto file = part10(body);
  const auto path = (dir.path / "x.dcm").string();
  std::ofstream(path, std::ios::binary) << file;
  const auto digest = digest_file(path, true);
  ASSERT_TRUE(digest.ok()) << digest.error().message();
  EXPECT_EQ(digest.value().size_bytes, file.size());
  EXPECT_EQ(digest.value().dataset_digest, xxhsum_128(dir.path, body));
}

// Empty; within the first read; across one and many further reads.
INSTANTIATE_TEST_SUITE_P(Sizes, DigestFile, ::testing::Values(0, 8'000, 100'000, 600'000, 3'000'001));

// A file that grows between calls, as a C-STORE's does: the digest of the finished data set,
// whether the meta header was complete at the first call or not.
TEST(FileDigester, DigestsAFileAsItGrows) {
  test_support::TempDir dir("radloop-digest");
  std::string body(700'000, '\0');
  for (std::size_t i = 0; i < body.size(); ++i) body[i] = static_cast<char>((i * 104729U) >> 5U);
  const auto file = part10(body);
  const auto path = (dir.path / "growing.dcm").string();
  std::ofstream out(path, std::ios::binary);
  FileDigester digester(path);
  for (std::size_t at = 0; at < file.size(); at += 50'000) {
    out.write(file.data() + at, static_cast<std::streamsize>(std::min<std::size_t>(50'000, file.size() - at)));
    out.flush();
    digester.advance(at + 50'000);
  }
  out.close();
  const auto digest = digester.finish(false);
  ASSERT_TRUE(digest.ok()) << digest.error().message();
  EXPECT_EQ(digest->size_bytes, file.size());
  EXPECT_EQ(digest->dataset_digest, xxhsum_128(dir.path, body));
}

TEST(DigestFileErrors, ReportsAMissingFile) {
  const auto digest = digest_file("/nonexistent/radloop/x.dcm", false);
  ASSERT_FALSE(digest.ok());
  EXPECT_EQ(digest.error().code, Errc::io_failed);
}

}  // namespace
}  // namespace radloop::dicom::internal
