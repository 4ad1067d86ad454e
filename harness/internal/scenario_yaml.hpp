// Reading YAML for the scenario model: typed getters that throw a Problem naming file, line and
// key path; parse_scenario turns it into the Error value it returns.
#pragma once

#include <yaml-cpp/yaml.h>

#include <chrono>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "reference/core/result.hpp"

namespace radloop::harness::yaml {

struct Problem {
  Error error;
};

class Reader {
 public:
  explicit Reader(std::filesystem::path origin) : origin_(std::move(origin)) {}

  // "file:line: path" and the sentence.
  [[noreturn]] void fail(const YAML::Node& at, const std::string& path, const std::string& detail) const;
  [[nodiscard]] std::string where(const YAML::Node& at, const std::string& path) const;

  // A mapping holding only these keys; the error lists the known ones.
  void only_keys(const YAML::Node& node, const std::string& path, const std::set<std::string>& keys) const;
  [[nodiscard]] std::string text(const YAML::Node& node, const std::string& path, const char* key,
                                 const std::string& fallback = {}) const;
  [[nodiscard]] std::string required(const YAML::Node& node, const std::string& path, const char* key,
                                     const std::string& why) const;
  [[nodiscard]] bool flag(const YAML::Node& node, const std::string& path, const char* key, bool fallback) const;
  [[nodiscard]] std::uint64_t count(const YAML::Node& node, const std::string& path, const char* key,
                                    std::uint64_t fallback, std::uint64_t low, std::uint64_t high) const;
  // Seconds (fractions allowed), as milliseconds.
  [[nodiscard]] std::chrono::milliseconds seconds(const YAML::Node& node, const std::string& path, const char* key,
                                                  std::chrono::milliseconds fallback) const;
  // One of `allowed`, else an error listing them.
  [[nodiscard]] std::string one_of(const YAML::Node& node, const std::string& path, const char* key,
                                   const std::string& fallback, const std::vector<std::string>& allowed) const;
  // A list of scalars (a single scalar counts as a list of one).
  [[nodiscard]] std::vector<std::string> list(const YAML::Node& node, const std::string& path, const char* key) const;

 private:
  std::filesystem::path origin_;
};

std::string join(const std::vector<std::string>& words, const char* separator = ", ");

}  // namespace radloop::harness::yaml
