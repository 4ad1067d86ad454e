// Reading a request target: percent-decoding, the query's key=value pairs, and the segments the
// router matches.
#include "reference/portal/target.hpp"

namespace radloop::portal {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

Error bad_target(std::string detail) { return Error{Errc::http_bad_request, "request target", std::move(detail)}; }

}  // namespace

std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space) {
  std::string decoded;
  decoded.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '%') {
      if (i + 2 >= text.size()) return std::nullopt;
      const int high = hex_value(text[i + 1]);
      const int low = hex_value(text[i + 2]);
      if (high < 0 || low < 0) return std::nullopt;
      decoded += static_cast<char>(high * 16 + low);
      i += 2;
    } else if (c == '+' && plus_is_space) {
      decoded += ' ';
    } else {
      decoded += c;
    }
  }
  return decoded;
}

std::string_view raw_path(std::string_view target) { return target.substr(0, target.find_first_of("?#")); }

std::optional<std::vector<std::string>> path_segments(std::string_view target) {
  auto path = raw_path(target);
  if (path.starts_with('/')) path.remove_prefix(1);
  std::vector<std::string> segments;
  while (true) {
    const auto slash = path.find('/');
    auto segment = percent_decode(path.substr(0, slash), false);
    if (!segment) return std::nullopt;
    segments.push_back(std::move(*segment));
    if (slash == std::string_view::npos) return segments;
    path.remove_prefix(slash + 1);
  }
}

Result<Target> parse_target(std::string_view target) {
  // Origin form only: absolute-form ("http://host/x") is for proxies, asterisk-form for OPTIONS *.
  if (!target.starts_with('/')) return bad_target("not a path starting with '/'");
  const auto path = raw_path(target);
  Target parsed;
  auto decoded = percent_decode(path, false);
  if (!decoded) return bad_target("a '%' in the path is not followed by two hex digits");
  parsed.path = std::move(*decoded);
  if (parsed.path.find('\0') != std::string::npos) return bad_target("the path contains a NUL byte");
  // Decoded segments, so "%2e%2e" is caught too; and split on decoded '/', so "a%2F.." is.
  std::string_view rest = parsed.path;
  while (!rest.empty()) {
    rest.remove_prefix(1);  // the '/'
    const auto segment = rest.substr(0, rest.find('/'));
    if (segment == "." || segment == "..") return bad_target("the path has a '.' or '..' segment");
    rest.remove_prefix(segment.size());
  }

  auto query = target.substr(path.size());
  if (query.starts_with('?')) query.remove_prefix(1);
  query = query.substr(0, query.find('#'));
  while (!query.empty()) {
    const auto amp = query.find('&');
    const auto pair = query.substr(0, amp);
    query.remove_prefix(amp == std::string_view::npos ? query.size() : amp + 1);
    if (pair.empty()) continue;  // "a=1&&b=2"
    const auto eq = pair.find('=');
    auto key = percent_decode(pair.substr(0, eq), true);
    auto value = percent_decode(eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1), true);
    if (!key || !value) return bad_target("a '%' in the query is not followed by two hex digits");
    parsed.query.emplace(std::move(*key), std::move(*value));
  }
  return parsed;
}

}  // namespace radloop::portal
