// Acceptance over ../shared/corpus/hl7: real-world traffic from public projects. Well-formed and
// lenient files parse and round-trip; every negative file fails with a located error.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "reference/hl7/parser.hpp"

namespace radloop::hl7 {
namespace {

namespace fs = std::filesystem;

fs::path corpus_dir() { return fs::path(RADLOOP_SOURCE_DIR) / ".." / "shared" / "corpus" / "hl7"; }

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<fs::path> corpus_files() {
  std::vector<fs::path> out;
  if (!fs::is_directory(corpus_dir())) return out;
  for (const auto& e : fs::directory_iterator(corpus_dir())) {
    if (e.path().extension() == ".hl7") out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

// Well-formed files whose one deviation is real and worth a warning.
bool warns_by_design(const fs::path& p) {
  const auto name = p.filename().string();
  return name.starts_with("049_")      // a raw CR inside the base64 PDF of OBX-5 (the line is cut at 4096 bytes)
         || name.starts_with("056_");  // UTF-8 text with no MSH-18
}

bool is_negative(const fs::path& p) { return p.filename().string().find("_neg_") != std::string::npos; }
bool is_lenient(const fs::path& p) {
  const auto name = p.filename().string().substr(4);
  return name.starts_with("odd_") || name.starts_with("nl_") || name.starts_with("mllp-") ||
         name.starts_with("multi_") || name.find("crlf") != std::string::npos;
}

TEST(Hl7Corpus, IsPresent) {
  if (!fs::is_directory(corpus_dir()))
    GTEST_SKIP() << "no corpus at " << corpus_dir() << " (outside the radloop workspace)";
  EXPECT_EQ(corpus_files().size(), 120U);
}

TEST(Hl7Corpus, WellFormedAndLenientFilesParseAndRoundTrip) {
  const auto files = corpus_files();
  if (files.empty()) GTEST_SKIP() << "no corpus at " << corpus_dir();
  for (const auto& f : files) {
    if (is_negative(f)) continue;
    SCOPED_TRACE(f.filename().string());
    const auto bytes = read_file(f);
    auto m = parse(bytes);
    ASSERT_TRUE(m.ok()) << m.error().message();
    const auto out = m->serialize();
    if (m->warnings().empty()) {
      EXPECT_EQ(out, bytes) << "a message read without warnings is canonical and must round-trip byte for byte";
    }
    // Whatever was repaired, the repaired form is a fixpoint.
    auto again = parse(out);
    ASSERT_TRUE(again.ok()) << again.error().message();
    EXPECT_TRUE(again.value() == m.value());
    EXPECT_EQ(again->serialize(), out);
    if (!is_lenient(f) && !warns_by_design(f)) {
      for (const auto& w : m->warnings())
        ADD_FAILURE() << "unexpected warning at " << w.where.to_string() << ": " << w.text;
    }
  }
}

TEST(Hl7Corpus, NegativeFilesFailWithALocatedError) {
  const auto files = corpus_files();
  if (files.empty()) GTEST_SKIP() << "no corpus at " << corpus_dir();
  for (const auto& f : files) {
    if (!is_negative(f)) continue;
    SCOPED_TRACE(f.filename().string());
    const auto bytes = read_file(f);
    auto m = parse(bytes);
    ASSERT_FALSE(m.ok()) << "parsed with " << m->size() << " segments";
    EXPECT_FALSE(m.error().where.empty());
    EXPECT_FALSE(m.error().detail.empty());
    if (!bytes.empty()) {
      EXPECT_NE(m.error().where, "message") << "an error inside the input names a line or segment";
    }
  }
}

}  // namespace
}  // namespace radloop::hl7
