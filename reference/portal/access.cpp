// Public paths, the constant-time bearer-token comparison, credentials and the browser checks.
#include "reference/portal/access.hpp"

#include <algorithm>
#include <cstddef>
#include <set>

#include "reference/portal/internal/ascii.hpp"

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

// The host of a Host header value ("localhost:8080" -> "localhost", "[::1]:80" -> "::1").
std::string_view host_name(std::string_view host) {
  if (host.starts_with('[')) {
    const auto end = host.find(']');
    return end == std::string_view::npos ? host : host.substr(1, end - 1);
  }
  return host.substr(0, host.find(':'));
}

bool names_this_machine(std::string_view host) {
  const auto name = internal::ascii_lowercase(host_name(host));
  if (name == "localhost" || name == "::1") return true;
  // 127.0.0.0/8, written as four decimal numbers.
  if (!name.starts_with("127.")) return false;
  int dots = 0;
  for (const char c : name) {
    if (c == '.') {
      ++dots;
    } else if (c < '0' || c > '9') {
      return false;
    }
  }
  return dots == 3;
}

std::string header(const std::map<std::string, std::string>& headers, const std::string& name) {
  const auto found = headers.find(name);
  return found == headers.end() ? std::string() : found->second;
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

std::optional<std::string> credentials_problem(const std::vector<Credential>& credentials) {
  std::set<std::string> tokens;
  for (const auto& c : credentials) {
    if (c.holder.empty()) return "a token without a holder: say whose it is (the audit names them)";
    if (c.token.size() < kMinTokenLength) {
      return "the token of " + c.holder + " has " + std::to_string(c.token.size()) + " characters; at least " +
             std::to_string(kMinTokenLength) + " are needed";
    }
    if (c.token.find_first_of(" \t\r\n") != std::string::npos) return "the token of " + c.holder + " holds a space";
    if (!tokens.insert(c.token).second) return "the token of " + c.holder + " is also someone else's";
  }
  return std::nullopt;
}

const Credential* credential_for(std::string_view authorization, const std::vector<Credential>& credentials) {
  const Credential* found = nullptr;
  for (const auto& c : credentials) {
    if (bearer_token_matches(authorization, c.token) && found == nullptr) found = &c;  // no early exit
  }
  return found;
}

std::optional<std::string> browser_refusal(std::string_view method, const std::map<std::string, std::string>& headers,
                                           bool tokens_required) {
  const auto host = header(headers, "host");
  if (!tokens_required && !host.empty() && !names_this_machine(host)) {
    return "Host " + host + " is not this machine; without a token only requests to localhost are answered";
  }
  if (method == "GET" || method == "HEAD" || method == "OPTIONS") return std::nullopt;
  const auto site = internal::ascii_lowercase(header(headers, "sec-fetch-site"));
  if (!site.empty() && site != "same-origin" && site != "none") {
    return "the browser says a page on another site sent it (Sec-Fetch-Site: " + site + ")";
  }
  const auto origin = internal::ascii_lowercase(header(headers, "origin"));
  if (!origin.empty() && origin != "http://" + internal::ascii_lowercase(host) &&
      origin != "https://" + internal::ascii_lowercase(host)) {
    return "the browser says a page from " + origin + " sent it, not one from this portal";
  }
  return std::nullopt;
}

}  // namespace radloop::portal
