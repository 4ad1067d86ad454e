// Typed expectations and DIMSE status classes (see the header).
#include "harness/expectation.hpp"

#include <charconv>
#include <optional>

namespace radloop::harness {
namespace {

std::optional<long long> integer(std::string_view text) {
  long long value = 0;
  if (text.empty()) return std::nullopt;
  const auto* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc() || ptr != end) return std::nullopt;
  return value;
}

// "0x0000".."0xFFFF", as the harness writes DIMSE statuses.
std::optional<unsigned> dimse_status(std::string_view text) {
  if (text.size() != 6 || text.substr(0, 2) != "0x") return std::nullopt;
  unsigned value = 0;
  const auto* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data() + 2, end, value, 16);
  if (ec != std::errc() || ptr != end) return std::nullopt;
  return value;
}

nlohmann::json typed(std::string_view text) {
  if (text == "true") return true;
  if (text == "false") return false;
  // Leading zeros keep their meaning as text (an MRN "0012345" is not the number 12345).
  if (const auto n = integer(text); n && (text.size() == 1 || text.front() != '0')) return *n;
  return std::string(text);
}

bool same(const nlohmann::json& observed, const nlohmann::json& expected) {
  if (observed == expected) return true;
  if (observed.is_string() && expected.is_number_integer()) {
    // Only the number's own decimal text: "0012345" is an identifier, not 12345.
    return observed.get<std::string>() == std::to_string(expected.get<long long>());
  }
  if (observed.is_string() && expected.is_boolean()) {
    return observed.get<std::string>() == (expected.get<bool>() ? "true" : "false");
  }
  if (observed.is_string() && expected.is_string()) {
    // A class of statuses: "warning" matches 0xB000.
    if (const auto status = dimse_status(observed.get<std::string>())) {
      return dimse_class(*status) == expected.get<std::string>();
    }
  }
  if (observed.is_number_unsigned() && expected.is_string()) {
    return dimse_class(observed.get<unsigned>()) == expected.get<std::string>();
  }
  return false;
}

}  // namespace

std::string_view dimse_class(unsigned status) {
  if (status == 0x0000) return "success";
  if (status == 0xFE00) return "cancel";
  if (status == 0xFF00 || status == 0xFF01) return "pending";
  // Warnings: 0x0001, 0x0107 (attribute list error), 0x0116 (value out of range), 0xBxxx.
  if (status == 0x0001 || status == 0x0107 || status == 0x0116 || (status & 0xF000U) == 0xB000U) return "warning";
  return "failure";
}

bool Expected::matches(const nlohmann::json& observed) const {
  for (const auto& alternative : any_of) {
    if (same(observed, alternative)) return true;
  }
  return false;
}

std::string Expected::text() const {
  std::string out;
  for (const auto& alternative : any_of) {
    if (!out.empty()) out += " or ";
    out += alternative.is_string() ? alternative.get<std::string>() : alternative.dump();
  }
  return out;
}

Expected expected_from_text(std::string_view text) {
  Expected e;
  // "AA|AE": alternatives; a lone "|" or an empty side is text as written.
  std::size_t start = 0;
  std::vector<std::string_view> parts;
  for (;;) {
    const auto bar = text.find('|', start);
    parts.push_back(text.substr(start, bar == std::string_view::npos ? std::string_view::npos : bar - start));
    if (bar == std::string_view::npos) break;
    start = bar + 1;
  }
  bool split = parts.size() > 1;
  for (const auto part : parts) split = split && !part.empty();
  if (!split) parts = {text};
  for (const auto part : parts) e.any_of.push_back(typed(part));
  return e;
}

Expected expected_from_list(const std::vector<std::string>& texts) {
  Expected e;
  for (const auto& text : texts) {
    for (auto& alternative : expected_from_text(text).any_of) e.any_of.push_back(std::move(alternative));
  }
  return e;
}

nlohmann::json to_json(const Expected& expected) {
  if (expected.any_of.size() == 1) return expected.any_of.front();
  return expected.any_of;
}

nlohmann::json to_json(const Expectations& expectations) {
  auto out = nlohmann::json::object();
  for (const auto& [key, expected] : expectations) out[key] = to_json(expected);
  return out;
}

}  // namespace radloop::harness
