// The typed YAML getters (see scenario_yaml.hpp).
#include "harness/internal/scenario_yaml.hpp"

#include <fmt/format.h>

#include <cmath>

namespace radloop::harness::yaml {

std::string join(const std::vector<std::string>& words, const char* separator) {
  std::string out;
  for (const auto& w : words) {
    if (!out.empty()) out += separator;
    out += w;
  }
  return out;
}

namespace {
std::string sub(const std::string& path, const std::string& key) { return path.empty() ? key : path + "." + key; }
}  // namespace

std::string Reader::where(const YAML::Node& at, const std::string& path) const {
  std::string out = origin_.empty() ? std::string("scenario") : origin_.string();
  if (at.IsDefined() && at.Mark().line >= 0) out += fmt::format(":{}", at.Mark().line + 1);
  if (!path.empty()) {
    out += ": ";
    out += path;
  }
  return out;
}

void Reader::fail(const YAML::Node& at, const std::string& path, const std::string& detail) const {
  throw Problem{Error{Errc::scenario_invalid, where(at, path), detail}};
}

void Reader::only_keys(const YAML::Node& node, const std::string& path, const std::set<std::string>& keys) const {
  if (!node.IsMap()) fail(node, path, "must be a mapping of keys to values");
  for (const auto& entry : node) {
    const auto key = entry.first.as<std::string>();
    if (keys.contains(key)) continue;
    fail(entry.first, sub(path, key),
         fmt::format("unknown key \"{}\" (known: {})", key, join({keys.begin(), keys.end()})));
  }
}

std::string Reader::text(const YAML::Node& node, const std::string& path, const char* key,
                         const std::string& fallback) const {
  const auto value = node[key];
  if (!value || value.IsNull()) return fallback;
  if (!value.IsScalar()) fail(value, sub(path, key), "must be a single value");
  return value.as<std::string>();
}

std::string Reader::required(const YAML::Node& node, const std::string& path, const char* key,
                             const std::string& why) const {
  auto value = text(node, path, key);
  if (value.empty()) fail(node, sub(path, key), why);
  return value;
}

bool Reader::flag(const YAML::Node& node, const std::string& path, const char* key, bool fallback) const {
  const auto value = node[key];
  if (!value) return fallback;
  bool out = false;
  if (!value.IsScalar() || !YAML::convert<bool>::decode(value, out))
    fail(value, sub(path, key), "must be true or false");
  return out;
}

std::uint64_t Reader::count(const YAML::Node& node, const std::string& path, const char* key, std::uint64_t fallback,
                            std::uint64_t low, std::uint64_t high) const {
  const auto value = node[key];
  if (!value) return fallback;
  std::uint64_t out = 0;
  if (!value.IsScalar() || !YAML::convert<std::uint64_t>::decode(value, out) || out < low || out > high) {
    fail(value, sub(path, key), fmt::format("must be a whole number from {} to {}", low, high));
  }
  return out;
}

std::chrono::milliseconds Reader::seconds(const YAML::Node& node, const std::string& path, const char* key,
                                          std::chrono::milliseconds fallback) const {
  const auto value = node[key];
  if (!value) return fallback;
  double out = 0;
  if (!value.IsScalar() || !YAML::convert<double>::decode(value, out) || !std::isfinite(out) || out < 0 || out > 3600) {
    fail(value, sub(path, key), "must be a number of seconds from 0 to 3600");
  }
  return std::chrono::milliseconds(static_cast<long>(std::lround(out * 1000)));
}

std::string Reader::one_of(const YAML::Node& node, const std::string& path, const char* key,
                           const std::string& fallback, const std::vector<std::string>& allowed) const {
  auto value = text(node, path, key, fallback);
  for (const auto& a : allowed) {
    if (a == value) return value;
  }
  fail(node[key], sub(path, key), fmt::format("\"{}\" is not one of {}", value, join(allowed)));
}

std::vector<std::string> Reader::list(const YAML::Node& node, const std::string& path, const char* key) const {
  const auto value = node[key];
  std::vector<std::string> out;
  if (!value || value.IsNull()) return out;
  if (value.IsScalar()) return {value.as<std::string>()};
  if (!value.IsSequence()) fail(value, sub(path, key), "must be a list");
  for (const auto& item : value) {
    if (!item.IsScalar()) fail(item, sub(path, key), "every item must be a single value");
    out.push_back(item.as<std::string>());
  }
  return out;
}

}  // namespace radloop::harness::yaml
