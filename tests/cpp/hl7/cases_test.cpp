// The project's own HL7 test messages (tests/data/hl7): each case states its outcome and the
// exact values or error location in cases.yaml.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "reference/hl7/parser.hpp"

namespace radloop::hl7 {
namespace {

namespace fs = std::filesystem;

fs::path data_dir() { return fs::path(RADLOOP_SOURCE_DIR) / "tests" / "data" / "hl7"; }

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(Hl7Cases, EveryCaseHoldsAsWritten) {
  const auto cases = YAML::LoadFile((data_dir() / "cases.yaml").string());
  ASSERT_GE(cases.size(), 60U);
  for (const auto& c : cases) {
    const auto file = c["file"].as<std::string>();
    SCOPED_TRACE(file);
    const auto bytes = read_file(data_dir() / file);
    ASSERT_FALSE(bytes.empty() && file.find("empty") == std::string::npos) << "missing file";
    auto m = parse(bytes);
    const auto expected = c["parse"].as<std::string>();
    if (expected == "error") {
      ASSERT_FALSE(m.ok()) << "parsed with " << m->warnings().size() << " warnings";
      EXPECT_EQ(info(m.error().code).id, c["error"]["code"].as<std::string>()) << m.error().message();
      EXPECT_EQ(m.error().where, c["error"]["where"].as<std::string>()) << m.error().message();
      continue;
    }
    ASSERT_TRUE(m.ok()) << m.error().message();
    if (c["warnings"]) {
      std::string seen;
      for (const auto& w : m->warnings()) seen += w.where.to_string() + ": " + w.text + "\n";
      EXPECT_EQ(m->warnings().size(), c["warnings"].as<std::size_t>()) << seen;
    }
    if (c["canonical"] && c["canonical"].as<bool>()) {
      EXPECT_EQ(m->serialize(), bytes);
    }
    auto again = parse(m->serialize());
    ASSERT_TRUE(again.ok()) << again.error().message();
    EXPECT_TRUE(again.value() == m.value()) << "the serialized form reads back the same";
    if (c["strict"]) {
      EXPECT_EQ(parse(bytes, {.strict = true}).ok(), c["strict"].as<std::string>() == "ok");
    } else if (m->warnings().empty()) {
      EXPECT_TRUE(parse(bytes, {.strict = true}).ok()) << "nothing to repair, so strict reads it too";
    }
    for (const auto& v : c["values"]) {
      const auto path = v.first.as<std::string>();
      auto got = m->get(path);
      ASSERT_TRUE(got.ok()) << got.error().message();
      EXPECT_EQ(got.value(), v.second.as<std::string>()) << path;
    }
  }
}

}  // namespace
}  // namespace radloop::hl7
