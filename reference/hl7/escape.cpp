// ER7 escape sequences (HL7 v2 chapter 2, "Escape sequences supporting multiple character sets").
#include "reference/hl7/escape.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

namespace radloop::hl7 {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

bool all_hex(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return hex_value(c) >= 0; });
}

// The body (between the escape characters) of a sequence that is kept verbatim. A locally
// defined \Z..\ may hold anything but a delimiter or a line break: kept verbatim, those would
// end the field or the segment it stands in.
bool is_pass_through(std::string_view body, const Delimiters& d) {
  if (body == "H" || body == "N") return true;
  if (body.size() == 5 && body[0] == 'C') return all_hex(body.substr(1));
  if (body.size() == 7 && body[0] == 'M') return all_hex(body.substr(1));
  if (body.size() >= 2 && body[0] == 'Z') {
    return std::none_of(body.begin(), body.end(), [&](char c) {
      return c == '\r' || c == '\n' || c == d.field || c == d.component || c == d.repetition ||
             (d.subcomponent != '\0' && c == d.subcomponent) || (d.truncation != '\0' && c == d.truncation);
    });
  }
  if (body.size() >= 3 && body[0] == '.' && body != ".br") {
    const auto args = body.substr(1);
    return std::all_of(args.begin(), args.end(),
                       [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '+' || c == '-'; });
  }
  return false;
}

// Resolves one escape body to bytes in the message charset; false when it is not a sequence.
bool resolve(std::string_view body, const Delimiters& d, std::string& out) {
  if (body.size() == 1) {
    switch (body[0]) {
      case 'F': out += d.field; return true;
      case 'S': out += d.component; return true;
      case 'T':
        if (d.subcomponent == '\0') return false;
        out += d.subcomponent;
        return true;
      case 'R': out += d.repetition; return true;
      case 'E': out += d.escape; return true;
      case 'P':
        if (d.truncation == '\0') return false;
        out += d.truncation;
        return true;
      default: break;
    }
  }
  if (body == ".br") {
    out += '\n';
    return true;
  }
  if (body.size() >= 3 && body[0] == 'X' && body.size() % 2 == 1 && all_hex(body.substr(1))) {
    for (std::size_t i = 1; i < body.size(); i += 2) {
      out += static_cast<char>(hex_value(body[i]) * 16 + hex_value(body[i + 1]));
    }
    return true;
  }
  if (is_pass_through(body, d)) {
    out += d.escape;
    out.append(body);
    out += d.escape;
    return true;
  }
  return false;
}

}  // namespace

std::string unescape(std::string_view raw, const Delimiters& d, Charset charset) {
  if (raw.find(d.escape) == std::string_view::npos) return to_utf8(raw, charset);
  std::string bytes;
  bytes.reserve(raw.size());
  for (std::size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] != d.escape) {
      bytes += raw[i];
      continue;
    }
    const auto close = raw.find(d.escape, i + 1);
    if (close == std::string_view::npos || !resolve(raw.substr(i + 1, close - i - 1), d, bytes)) {
      bytes += raw[i];  // a lone escape character is text (seen in real feeds as a list separator)
      continue;
    }
    i = close;
  }
  return to_utf8(bytes, charset);
}

Result<std::string> escape(std::string_view value, const Delimiters& d, Charset charset) {
  auto converted = from_utf8(value, charset);
  if (!converted) return converted.error();
  const std::string& bytes = converted.value();
  std::string out;
  out.reserve(bytes.size() + 8);
  const auto plain = [&](char c) {
    return static_cast<unsigned char>(c) >= 0x20 && c != '\x7f' && c != d.escape && c != d.field && c != d.component &&
           c != d.repetition && (d.subcomponent == '\0' || c != d.subcomponent) &&
           (d.truncation == '\0' || c != d.truncation);
  };
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    // A run of characters that need nothing goes in whole: most values are one such run.
    std::size_t run = i;
    while (run < bytes.size() && plain(bytes[run])) ++run;
    if (run > i) {
      out.append(bytes, i, run - i);
      i = run - 1;
      continue;
    }
    const char c = bytes[i];
    if (c == d.escape) {
      const auto close = bytes.find(d.escape, i + 1);
      if (close != std::string::npos && is_pass_through(std::string_view(bytes).substr(i + 1, close - i - 1), d)) {
        out.append(bytes, i, close - i + 1);
        i = close;
        continue;
      }
      out += d.escape, out += 'E', out += d.escape;
    } else if (c == d.field) {
      out += d.escape, out += 'F', out += d.escape;
    } else if (c == d.component) {
      out += d.escape, out += 'S', out += d.escape;
    } else if (c == d.repetition) {
      out += d.escape, out += 'R', out += d.escape;
    } else if (d.subcomponent != '\0' && c == d.subcomponent) {
      out += d.escape, out += 'T', out += d.escape;
    } else if (d.truncation != '\0' && c == d.truncation) {
      out += d.escape, out += 'P', out += d.escape;
    } else if (c == '\n') {
      out += d.escape, out += ".br", out += d.escape;
    } else {  // a control character or DEL: not plain
      out += fmt::format("{}X{:02X}{}", d.escape, static_cast<unsigned char>(c), d.escape);
    }
  }
  return out;
}

}  // namespace radloop::hl7
