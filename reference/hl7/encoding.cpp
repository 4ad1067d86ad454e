// Character set conversion between a message's bytes and UTF-8, and MSH-18 names.
#include "reference/hl7/encoding.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstdint>

namespace radloop::hl7 {
namespace {

// Windows-1252 0x80..0x9F; the five holes map to the C1 code point of the same value.
constexpr std::array<char32_t, 32> kCp1252High = {0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
                                                  0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D, 0x017D, 0x008F,
                                                  0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
                                                  0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178};

void append_utf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// Decodes one UTF-8 sequence at s[i]; returns its length, or 0 when it is not valid UTF-8.
std::size_t decode_utf8(std::string_view s, std::size_t i, char32_t& cp) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  if (b0 < 0x80) {
    cp = b0;
    return 1;
  }
  std::size_t len = 0;
  char32_t min = 0;
  if ((b0 & 0xE0) == 0xC0) {
    len = 2, cp = b0 & 0x1F, min = 0x80;
  } else if ((b0 & 0xF0) == 0xE0) {
    len = 3, cp = b0 & 0x0F, min = 0x800;
  } else if ((b0 & 0xF8) == 0xF0) {
    len = 4, cp = b0 & 0x07, min = 0x10000;
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  for (std::size_t k = 1; k < len; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (b & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return len;
}

std::string trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return std::string(s);
}

}  // namespace

std::string Delimiters::encoding_characters() const {
  std::string out{component, repetition, escape};
  if (subcomponent != '\0') out += subcomponent;
  if (truncation != '\0') out += truncation;
  return out;
}

std::string_view to_string(Charset charset) {
  switch (charset) {
    case Charset::ascii: return "ASCII";
    case Charset::latin1: return "8859/1";
    case Charset::utf8: return "UNICODE UTF-8";
    case Charset::windows1252: return "Windows-1252 (undeclared)";
  }
  return "?";
}

Charset charset_from_msh18(std::string_view value, bool& known) {
  const auto v = trim(value);
  known = true;
  if (v.empty() || v == "ASCII") return Charset::ascii;
  if (v == "8859/1" || v == "ISO IR100" || v == "ISO_IR 100") return Charset::latin1;
  if (v == "UNICODE UTF-8" || v == "UTF-8" || v == "ISO_IR 192") return Charset::utf8;
  known = false;
  return Charset::ascii;
}

int version_number(std::string_view version) {
  const auto number = [&](std::size_t& i) {
    int n = 0;
    const auto start = i;
    while (i < version.size() && i - start < 3 && version[i] >= '0' && version[i] <= '9')
      n = n * 10 + (version[i++] - '0');
    return i == start ? -1 : n;
  };
  std::size_t i = 0;
  const int major = number(i);
  if (major < 0 || i >= version.size() || version[i] != '.') return 0;
  ++i;
  const int minor = number(i);
  return minor < 0 ? 0 : major * 100 + minor;
}

bool is_ascii(std::string_view bytes) {
  return std::all_of(bytes.begin(), bytes.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

bool is_valid_utf8(std::string_view bytes) {
  char32_t cp = 0;
  for (std::size_t i = 0; i < bytes.size();) {
    const auto len = decode_utf8(bytes, i, cp);
    if (len == 0) return false;
    i += len;
  }
  return true;
}

std::string to_utf8(std::string_view bytes, Charset charset) {
  if (is_ascii(bytes)) return std::string(bytes);
  std::string out;
  out.reserve(bytes.size() + bytes.size() / 4);
  for (std::size_t i = 0; i < bytes.size();) {
    const auto b = static_cast<unsigned char>(bytes[i]);
    if (b < 0x80) {
      out += static_cast<char>(b);
      ++i;
      continue;
    }
    switch (charset) {
      case Charset::latin1:
        append_utf8(out, b);
        ++i;
        break;
      case Charset::windows1252:
        append_utf8(out, b < 0xA0 ? kCp1252High[b - 0x80] : char32_t{b});
        ++i;
        break;
      case Charset::ascii:
      case Charset::utf8: {
        char32_t cp = 0;
        const auto len = decode_utf8(bytes, i, cp);
        if (len == 0) {
          append_utf8(out, 0xFFFD);
          ++i;
        } else {
          out.append(bytes.substr(i, len));
          i += len;
        }
        break;
      }
    }
  }
  return out;
}

Result<std::string> from_utf8(std::string_view utf8, Charset charset) {
  if (is_ascii(utf8) || charset == Charset::utf8) return std::string(utf8);
  std::string out;
  out.reserve(utf8.size());
  for (std::size_t i = 0; i < utf8.size();) {
    char32_t cp = 0;
    const auto len = decode_utf8(utf8, i, cp);
    if (len == 0) {
      return Error{Errc::hl7_unrepresentable, "value", fmt::format("byte {} of the value is not valid UTF-8", i + 1)};
    }
    i += len;
    if (cp < 0x80) {
      out += static_cast<char>(cp);
      continue;
    }
    if (charset == Charset::latin1 && cp <= 0xFF) {
      out += static_cast<char>(cp);
      continue;
    }
    if (charset == Charset::windows1252) {
      if (cp >= 0xA0 && cp <= 0xFF) {
        out += static_cast<char>(cp);
        continue;
      }
      bool found = false;
      for (std::size_t k = 0; k < kCp1252High.size(); ++k) {
        if (kCp1252High[k] == cp) {
          out += static_cast<char>(0x80 + k);
          found = true;
          break;
        }
      }
      if (found) continue;
    }
    return Error{Errc::hl7_unrepresentable, "value",
                 fmt::format("U+{:04X} cannot be written in {}; declare MSH-18 as UNICODE UTF-8",
                             static_cast<std::uint32_t>(cp), to_string(charset))};
  }
  return out;
}

}  // namespace radloop::hl7
