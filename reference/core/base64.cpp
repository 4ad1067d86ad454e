// Base64 encoding and decoding (see base64.hpp).
#include "reference/core/base64.hpp"

#include <array>

namespace radloop {
namespace {

constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

constexpr std::array<int, 256> decoding_table() {
  std::array<int, 256> table{};
  for (auto& v : table) v = -1;
  for (std::size_t i = 0; i < kAlphabet.size(); ++i)
    table.at(static_cast<unsigned char>(kAlphabet[i])) = static_cast<int>(i);
  return table;
}

}  // namespace

std::string base64_encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  const auto byte = [&](std::size_t k) { return static_cast<unsigned>(static_cast<unsigned char>(bytes[k])); };
  for (; i + 2 < bytes.size(); i += 3) {
    const unsigned n = (byte(i) << 16U) | (byte(i + 1) << 8U) | byte(i + 2);
    for (int shift = 18; shift >= 0; shift -= 6) out += kAlphabet[(n >> static_cast<unsigned>(shift)) & 0x3FU];
  }
  if (const auto rest = bytes.size() - i; rest > 0) {
    unsigned n = byte(i) << 16U;
    if (rest == 2) n |= byte(i + 1) << 8U;
    out += kAlphabet[(n >> 18U) & 0x3FU];
    out += kAlphabet[(n >> 12U) & 0x3FU];
    out += rest == 2 ? kAlphabet[(n >> 6U) & 0x3FU] : '=';
    out += '=';
  }
  return out;
}

Result<std::string> base64_decode(std::string_view text) {
  static constexpr auto kTable = decoding_table();
  std::string out;
  out.reserve(text.size() / 4 * 3);
  unsigned buffer = 0;
  int bits = 0;
  std::size_t symbols = 0;
  std::size_t padding = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == '\r' || c == '\n' || c == ' ' || c == '\t') continue;
    if (c == '=') {
      ++padding;
      ++symbols;
      continue;
    }
    const int value = kTable.at(c);
    if (value < 0 || padding > 0) {
      return Error{Errc::invalid_input, "offset " + std::to_string(i),
                   "not base64: a character outside the alphabet, or data after the padding"};
    }
    ++symbols;
    buffer = (buffer << 6U) | static_cast<unsigned>(value);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((buffer >> static_cast<unsigned>(bits)) & 0xFFU);
    }
  }
  if (symbols % 4 != 0 || padding > 2) {
    return Error{Errc::invalid_input, "length " + std::to_string(symbols),
                 "not base64: the text is not a whole number of four-character groups"};
  }
  return out;
}

}  // namespace radloop
