// Scenario files from paths: files as named, folders walked in a stable order, clear refusals.
#include "harness/catalog.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

namespace radloop::harness {
namespace {

namespace fs = std::filesystem;

TEST(Catalog, WalksFoldersInAStableOrderAndKeepsNamedFiles) {
  const auto dir = fs::temp_directory_path() / ("radloop-catalog-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir / "b");
  for (const auto* name : {"b/z.yaml", "a.yml", "c.yaml", "notes.txt"}) std::ofstream(dir / name) << "x";
  const auto files = scenario_files({dir.string(), (dir / "notes.txt").string()}).value();
  ASSERT_EQ(files.size(), 4U);
  EXPECT_EQ(files[0].filename(), "a.yml");
  EXPECT_EQ(files[1].filename(), "z.yaml");
  EXPECT_EQ(files[2].filename(), "c.yaml");
  EXPECT_EQ(files[3].filename(), "notes.txt");  // named explicitly: taken as it is
  fs::create_directories(dir / "empty");
  const auto empty = scenario_files({(dir / "empty").string()});
  ASSERT_FALSE(empty.ok());
  EXPECT_NE(empty.error().detail.find("no scenario file"), std::string::npos);
  EXPECT_EQ(scenario_files({(dir / "missing").string()}).error().code, Errc::scenario_invalid);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace radloop::harness
