// Text in stored JSON bodies (see the header).
#include "reference/pipeline/stored_json.hpp"

#include <stdexcept>
#include <string_view>

#include "reference/hl7/encoding.hpp"

namespace radloop::pipeline {

using nlohmann::json;

json json_text(const std::string& value) {
  if (hl7::is_valid_utf8(value)) return value;
  static constexpr std::string_view kHex = "0123456789abcdef";
  std::string hex;
  for (const char c : value) {
    const auto u = static_cast<unsigned char>(c);
    hex += kHex[u >> 4U];
    hex += kHex[u & 0xFU];
  }
  return json{{"bytes", hex}};
}

std::string text_of(const json& body, const char* key) {
  const auto found = body.find(key);
  if (found == body.end()) return {};
  if (found->is_string()) return found->get<std::string>();
  const auto hex = found->at("bytes").get<std::string>();
  const auto digit = [&](char c) -> unsigned {
    if (c >= '0' && c <= '9') return static_cast<unsigned>(c - '0');
    if (c >= 'a' && c <= 'f') return static_cast<unsigned>(c - 'a' + 10);
    throw std::invalid_argument(std::string("\"") + key + "\" holds bytes that are not hexadecimal");
  };
  if (hex.size() % 2 != 0) throw std::invalid_argument(std::string("\"") + key + "\" holds an odd number of digits");
  std::string bytes;
  for (std::size_t i = 0; i < hex.size(); i += 2) bytes += static_cast<char>(digit(hex[i]) * 16 + digit(hex[i + 1]));
  return bytes;
}

}  // namespace radloop::pipeline
