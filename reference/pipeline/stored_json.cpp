// Text in stored JSON bodies (see the header).
#include "reference/pipeline/stored_json.hpp"

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
  std::string bytes;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
    bytes += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
  return bytes;
}

}  // namespace radloop::pipeline
