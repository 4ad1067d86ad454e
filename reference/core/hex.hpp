// Bytes as lowercase hexadecimal, as digests are written in records and reports.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace radloop {

inline std::string to_hex(const unsigned char* bytes, std::size_t count) {
  static constexpr std::string_view kDigits = "0123456789abcdef";
  std::string out;
  out.reserve(count * 2);
  for (std::size_t i = 0; i < count; ++i) {
    out += kDigits[bytes[i] >> 4U];
    out += kDigits[bytes[i] & 0x0FU];
  }
  return out;
}

}  // namespace radloop
