// How an ER7 message encodes text: its delimiters (MSH-1/MSH-2) and its character set (MSH-18).
// In memory every decoded value is UTF-8; bytes on the wire are in the message's charset.
#pragma once

#include <string>
#include <string_view>

#include "reference/core/result.hpp"

namespace radloop::hl7 {

struct Delimiters {
  char field = '|';
  char component = '^';
  char repetition = '~';
  char escape = '\\';
  char subcomponent = '&';  // '\0' when MSH-2 declared only three characters
  char truncation = '\0';   // v2.7 truncation character, '\0' when not declared

  // MSH-2 as it should be written for these delimiters.
  [[nodiscard]] std::string encoding_characters() const;
  [[nodiscard]] bool is_delimiter(char c) const {
    return c == field || c == component || c == repetition || c == escape ||
           (subcomponent != '\0' && c == subcomponent);
  }
  bool operator==(const Delimiters&) const = default;
};

// The character sets radloop reads and writes. `windows1252` is never declared by a sender;
// it is what undeclared bytes that are not UTF-8 are read as (the common real-world case).
enum class Charset { ascii, latin1, utf8, windows1252 };

std::string_view to_string(Charset charset);

// MSH-18 (first repetition, trimmed) to a charset. Empty means ASCII (the HL7 default).
// Returns false in `known` for a value radloop does not support (read as if undeclared).
Charset charset_from_msh18(std::string_view value, bool& known);

// An HL7 version ("2.5.1", MSH-12.1) as major * 100 + minor (205); 0 when it is not one.
int version_number(std::string_view version);

bool is_valid_utf8(std::string_view bytes);
bool is_ascii(std::string_view bytes);

// Bytes in `charset` to UTF-8. Invalid UTF-8 in a UTF-8 message becomes U+FFFD.
std::string to_utf8(std::string_view bytes, Charset charset);
// UTF-8 to bytes in `charset`; a character the charset cannot hold is hl7_unrepresentable.
Result<std::string> from_utf8(std::string_view utf8, Charset charset);

}  // namespace radloop::hl7
