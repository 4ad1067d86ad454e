// The console's files as the portal serves them: each path to its file and content type, the
// bodies byte for byte those on disk, anything else not found.
#include "reference/portal/console_assets.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <sstream>
#include <string>

namespace radloop::portal {
namespace {

std::string on_disk(const std::string& name) {
  const std::string path = std::string(RADLOOP_SOURCE_DIR) + "/reference/portal/console/" + name;
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in) << "cannot open " << path;
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void expect_asset(std::string_view path, const std::string& file, std::string_view content_type) {
  SCOPED_TRACE(std::string(path));
  const auto asset = console_asset(path);
  ASSERT_TRUE(asset.has_value());
  EXPECT_EQ(asset->content_type, content_type);
  const std::string expected = on_disk(file);
  EXPECT_FALSE(expected.empty());
  EXPECT_EQ(asset->body.size(), expected.size());
  EXPECT_TRUE(asset->body == expected) << "the embedded " << file << " differs from the file on disk";
}

TEST(ConsoleAssets, RootAndIndexAreThePage) {
  expect_asset("/", "index.html", "text/html; charset=utf-8");
  expect_asset("/index.html", "index.html", "text/html; charset=utf-8");
}

TEST(ConsoleAssets, ScriptIsJavaScript) { expect_asset("/console.js", "console.js", "text/javascript; charset=utf-8"); }

TEST(ConsoleAssets, StyleIsCss) { expect_asset("/console.css", "console.css", "text/css; charset=utf-8"); }

TEST(ConsoleAssets, TheBodyIsTheSameStorageEachTime) {
  const auto first = console_asset("/console.js");
  const auto second = console_asset("/console.js");
  ASSERT_TRUE(first && second);
  EXPECT_EQ(first->body.data(), second->body.data());
}

TEST(ConsoleAssets, UnknownPathsAreNotFound) {
  for (const std::string_view path : {"", "index.html", "/console", "/console.js/", "/CONSOLE.JS", "/review", "/health",
                                      "/../console.js", "/index.html?x=1", "//"}) {
    EXPECT_FALSE(console_asset(path).has_value()) << "path \"" << path << "\"";
  }
}

}  // namespace
}  // namespace radloop::portal
