// Public paths and the constant-time bearer-token comparison.
#include "reference/portal/access.hpp"

#include <algorithm>
#include <cstddef>

namespace radloop::portal {
namespace {

// Every byte of the presented token is compared, and the result is only read at the end, so the
// time depends on the presented length alone, never on where the first difference is.
bool constant_time_equal(std::string_view presented, std::string_view expected) {
  unsigned difference = presented.size() == expected.size() ? 0U : 1U;
  for (std::size_t i = 0; i < presented.size(); ++i) {
    const auto a = static_cast<unsigned char>(presented[i]);
    const auto b = static_cast<unsigned char>(expected[i % expected.size()]);
    difference |= static_cast<unsigned>(a ^ b);
  }
  return difference == 0;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const auto lower = [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

}  // namespace

bool is_public_path(const std::vector<std::string>& public_paths, std::string_view path) {
  return std::ranges::any_of(public_paths, [path](const std::string& entry) {
    const bool prefix = entry != "/" && entry.ends_with('/');
    return prefix ? path.starts_with(entry) : path == entry;
  });
}

bool bearer_token_matches(std::string_view authorization, std::string_view expected) {
  if (expected.empty()) return false;
  constexpr std::string_view kScheme = "bearer";
  if (authorization.size() <= kScheme.size() || !iequals(authorization.substr(0, kScheme.size()), kScheme)) {
    return false;
  }
  auto token = authorization.substr(kScheme.size());
  if (token.front() != ' ' && token.front() != '\t') return false;  // "Bearerxyz" is another scheme
  while (!token.empty() && (token.front() == ' ' || token.front() == '\t')) token.remove_prefix(1);
  while (!token.empty() && (token.back() == ' ' || token.back() == '\t')) token.remove_suffix(1);
  return constant_time_equal(token, expected);
}

}  // namespace radloop::portal
