// Escaping and reading back for the HTML and JUnit reports.
#include "harness/internal/report_text.hpp"

#include <cstdint>

namespace radloop::harness::internal {

namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// Length of the well-formed UTF-8 sequence at text[i] (and its code point), or 0 if it is not one.
std::size_t utf8_sequence(std::string_view text, std::size_t i, std::uint32_t& code) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char lead = byte(i);
  if (lead < 0x80) {
    code = lead;
    return 1;
  }
  std::size_t length = 0;
  std::uint32_t min = 0;
  if ((lead & 0xE0) == 0xC0) {
    length = 2;
    code = lead & 0x1Fu;
    min = 0x80;
  } else if ((lead & 0xF0) == 0xE0) {
    length = 3;
    code = lead & 0x0Fu;
    min = 0x800;
  } else if ((lead & 0xF8) == 0xF0) {
    length = 4;
    code = lead & 0x07u;
    min = 0x10000;
  } else {
    return 0;
  }
  if (i + length > text.size()) return 0;
  for (std::size_t k = 1; k < length; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
    code = (code << 6) | (byte(i + k) & 0x3F);
  }
  // Overlong forms, UTF-16 surrogates and code points past U+10FFFF are not UTF-8.
  if (code < min || (code >= 0xD800 && code <= 0xDFFF) || code > 0x10FFFF) return 0;
  return length;
}

std::string escape(std::string_view text, bool xml) {
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  for (std::size_t i = 0; i < text.size();) {
    std::uint32_t code = 0;
    const auto length = utf8_sequence(text, i, code);
    if (length == 0) {
      out += kReplacement;
      ++i;
      continue;
    }
    switch (code) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      case '\r': out += xml ? "&#13;" : "\n"; break;
      default:
        // XML 1.0 has no way to write the other C0 controls, nor U+FFFE and U+FFFF.
        if ((code < 0x20 && code != '\t' && code != '\n') || code == 0xFFFE || code == 0xFFFF) {
          out += kReplacement;
        } else {
          out.append(text.substr(i, length));
        }
    }
    i += length;
  }
  return out;
}

}  // namespace

std::string escape_html(std::string_view text) { return escape(text, false); }
std::string escape_xml(std::string_view text) { return escape(text, true); }

std::string dump_json(const nlohmann::json& value, int indent) {
  return value.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

Validity verdict_of(const nlohmann::json& valid) {
  if (valid.is_boolean()) return valid.get<bool>() ? Validity::valid : Validity::invalid;
  if (valid == "not_exercised") return Validity::not_exercised;
  return Validity::unknown;
}

const nlohmann::json& field(const nlohmann::json& object, std::string_view key) {
  static const nlohmann::json null;
  if (!object.is_object()) return null;
  const auto found = object.find(std::string(key));
  return found == object.end() ? null : *found;
}

std::string text_of(const nlohmann::json& run, std::string_view key) {
  const auto& value = field(run, key);
  if (value.is_null()) return {};
  return value.is_string() ? value.get<std::string>() : dump_json(value);
}

}  // namespace radloop::harness::internal
