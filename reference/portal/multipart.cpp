// Reading and writing multipart bodies. Each part is found by searching for CRLF "--" boundary, so
// DICOM bytes inside a part are never looked at: the cost is one linear scan of the body.
//
//   preamble --boundary CRLF headers CRLF CRLF body CRLF --boundary CRLF ... CRLF --boundary-- epilogue
#include "reference/portal/multipart.hpp"

#include <algorithm>
#include <cstdint>
#include <random>

#include "reference/portal/internal/ascii.hpp"

namespace radloop::portal {
namespace {

constexpr std::string_view kCrlf = "\r\n";
constexpr std::size_t kMaxBoundary = 70;  // RFC 2046 5.1.1

Error malformed(std::string where, std::string detail) {
  return Error{Errc::multipart_malformed, std::move(where), std::move(detail)};
}

std::string part_name(std::size_t number, std::string_view suffix = {}) {
  std::string name = "part ";
  name += std::to_string(number);
  name += suffix;
  return name;
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

bool is_token_char(char c) {
  constexpr std::string_view kSeparators = "()<>@,;:\\\"/[]?={} \t";
  const auto byte = static_cast<unsigned char>(c);
  return byte > 32 && byte < 127 && kSeparators.find(c) == std::string_view::npos;
}

// "name: value" lines, each ending in CRLF. Obsolete folded lines (starting with a space) continue
// the previous value.
Result<std::map<std::string, std::string>> parse_part_headers(std::string_view block, std::size_t number) {
  std::map<std::string, std::string> headers;
  std::string* last = nullptr;
  while (!block.empty()) {
    const auto end = block.find(kCrlf);
    const auto line = block.substr(0, end);
    block.remove_prefix(end == std::string_view::npos ? block.size() : end + kCrlf.size());
    if (!line.empty() && (line.front() == ' ' || line.front() == '\t') && last != nullptr) {
      *last += ' ';
      *last += trim(line);
      continue;
    }
    const auto colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) {
      return malformed(part_name(number, " headers"), "a header line has no \"name:\"");
    }
    const auto name = line.substr(0, colon);
    for (const char c : name) {
      if (!is_token_char(c))
        return malformed(part_name(number, " headers"), "a header name has a character not allowed");
    }
    auto [entry, inserted] = headers.try_emplace(internal::ascii_lowercase(name), trim(line.substr(colon + 1)));
    if (!inserted) {
      entry->second += ", ";
      entry->second += trim(line.substr(colon + 1));
    }
    last = &entry->second;
  }
  return headers;
}

}  // namespace

Result<MediaType> parse_media_type(std::string_view content_type) {
  auto fail = [](std::string detail) { return malformed("Content-Type", std::move(detail)); };
  MediaType media;
  const auto semicolon = content_type.find(';');
  media.type = internal::ascii_lowercase(trim(content_type.substr(0, semicolon)));
  if (media.type.empty() || media.type.find('/') == std::string::npos) return fail("no media type");
  auto rest = semicolon == std::string_view::npos ? std::string_view{} : content_type.substr(semicolon + 1);
  while (true) {
    rest = trim(rest);
    if (rest.empty()) return media;
    const auto eq = rest.find('=');
    if (eq == std::string_view::npos) return fail("a parameter has no '='");
    const auto name = internal::ascii_lowercase(trim(rest.substr(0, eq)));
    if (name.empty()) return fail("a parameter has no name");
    rest = trim(rest.substr(eq + 1));
    std::string value;
    if (rest.starts_with('"')) {
      // quoted-string: a backslash takes the next character as it is
      std::size_t i = 1;
      bool closed = false;
      for (; i < rest.size(); ++i) {
        if (rest[i] == '\\' && i + 1 < rest.size()) {
          value += rest[++i];
        } else if (rest[i] == '"') {
          closed = true;
          break;
        } else {
          value += rest[i];
        }
      }
      if (!closed) return fail("a quoted parameter value has no closing quote");
      rest.remove_prefix(i + 1);
      rest = trim(rest);
      if (!rest.empty() && !rest.starts_with(';')) return fail("text after a quoted parameter value");
    } else {
      value = std::string(trim(rest.substr(0, rest.find(';'))));
      rest.remove_prefix(std::min(rest.size(), rest.find(';')));
    }
    if (rest.starts_with(';')) rest.remove_prefix(1);
    media.parameters.insert_or_assign(name, std::move(value));
  }
}

Result<std::vector<PartView>> parse_multipart(std::string_view content_type_header, std::string_view body,
                                              std::size_t max_parts) {
  auto media = parse_media_type(content_type_header);
  if (!media) return media.error();
  if (!media->type.starts_with("multipart/")) {
    std::string detail = "the media type is ";
    detail += media->type;
    detail += ", not multipart";
    return malformed("Content-Type", std::move(detail));
  }
  const auto found = media->parameters.find("boundary");
  if (found == media->parameters.end() || found->second.empty()) {
    return malformed("Content-Type", "no boundary parameter");
  }
  const auto& boundary = found->second;
  if (boundary.size() > kMaxBoundary || boundary.find_first_of(kCrlf) != std::string::npos) {
    return malformed("Content-Type", "the boundary is longer than 70 characters or contains a line break");
  }
  std::string dash_boundary = "--";
  dash_boundary += boundary;
  std::string delimiter(kCrlf);
  delimiter += dash_boundary;

  // The first boundary line opens the body, or follows a preamble and a CRLF.
  std::size_t at = 0;
  if (!body.starts_with(dash_boundary)) {
    at = body.find(delimiter);
    if (at == std::string_view::npos) {
      std::string detail = "the boundary \"";
      detail += boundary;
      detail += "\" never appears";
      return malformed("body", std::move(detail));
    }
    at += kCrlf.size();
  }

  std::vector<PartView> parts;
  while (true) {
    // `at` is at "--boundary"
    std::size_t after = at + dash_boundary.size();
    if (body.substr(after).starts_with("--")) break;  // the close delimiter; the epilogue is ignored
    const std::size_t number = parts.size() + 1;
    if (number > max_parts) {
      return malformed("body", "more than " + std::to_string(max_parts) + " parts; send them in several requests");
    }
    while (after < body.size() && (body[after] == ' ' || body[after] == '\t')) ++after;  // transport padding
    if (after == body.size() || body.substr(after) == "\r" || body.substr(after) == kCrlf) {
      std::string detail = "the body ends without the closing delimiter ";
      detail += dash_boundary;
      detail += "--";
      return malformed("closing delimiter", std::move(detail));
    }
    if (!body.substr(after).starts_with(kCrlf)) {
      return malformed(part_name(number), "the boundary line is followed by other text");
    }
    const std::size_t start = after + kCrlf.size();
    // Searched from the CRLF that ends the boundary line: a part with neither headers nor their
    // blank line ("--b CRLF --b") is found as cut off rather than swallowing the next boundary.
    const std::size_t next = body.find(delimiter, start - kCrlf.size());
    if (next == std::string_view::npos) {
      return malformed(part_name(number), "cut off: the body ends inside this part, with no boundary after it");
    }
    if (next < start) return malformed(part_name(number, " headers"), "cut off: no blank line after the headers");
    const auto block = body.substr(start, next - start);

    PartView part;
    if (block.starts_with(kCrlf)) {
      part.body = block.substr(kCrlf.size());  // no headers
    } else if (!block.empty()) {
      const auto blank = block.find("\r\n\r\n");
      std::string_view header_block;
      if (blank != std::string_view::npos) {
        header_block = block.substr(0, blank + kCrlf.size());
        part.body = block.substr(blank + 2 * kCrlf.size());
      } else if (block.ends_with(kCrlf)) {
        header_block = block;  // headers and no body: RFC 2046 makes the body optional
      } else {
        return malformed(part_name(number, " headers"), "cut off: the last header line has no line end");
      }
      auto headers = parse_part_headers(header_block, number);
      if (!headers) return headers.error();
      part.headers = std::move(headers).value();
    }
    parts.push_back(std::move(part));
    at = next + kCrlf.size();
  }
  if (parts.empty()) return malformed("body", "the body has no parts");
  return parts;
}

std::string build_multipart(const std::vector<Part>& parts, const std::string& boundary) {
  std::size_t size = boundary.size() + 8;
  for (const auto& part : parts) {
    size += boundary.size() + part.body.size() + 8;
    for (const auto& [name, value] : part.headers) size += name.size() + value.size() + 4;
  }
  std::string out;
  out.reserve(size);
  for (const auto& part : parts) {
    out += part_opening(part.headers, boundary);
    out += part.body;
    out += kCrlf;
  }
  out += closing_delimiter(boundary);
  return out;
}

std::string part_opening(const std::map<std::string, std::string>& headers, std::string_view boundary) {
  std::string out = "--";
  out += boundary;
  out += kCrlf;
  for (const auto& [name, value] : headers) {
    out += name;
    out += ": ";
    out += value;
    out += kCrlf;
  }
  out += kCrlf;
  return out;
}

std::string closing_delimiter(std::string_view boundary) {
  std::string out = "--";
  out += boundary;
  out += "--";
  out += kCrlf;
  return out;
}

std::string random_boundary() {
  constexpr std::string_view kHex = "0123456789abcdef";
  std::random_device device;
  std::string boundary;
  boundary.reserve(32);
  for (int word = 0; word < 4; ++word) {
    auto bits = static_cast<std::uint32_t>(device());
    for (int nibble = 0; nibble < 8; ++nibble) {
      boundary += kHex[bits & 0xFU];
      bits >>= 4U;
    }
  }
  return boundary;
}

std::string multipart_related_content_type(std::string_view boundary, std::string_view type) {
  std::string value = "multipart/related; type=\"";
  value += type;
  value += "\"; boundary=";
  // A boundary with characters a token may not hold (RFC 2046 allows ' ', '=', ':', ...) is quoted.
  if (std::all_of(boundary.begin(), boundary.end(), is_token_char)) {
    value += boundary;
  } else {
    value += '"';
    value += boundary;
    value += '"';
  }
  return value;
}

}  // namespace radloop::portal
