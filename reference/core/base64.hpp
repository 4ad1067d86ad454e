// Base64 (RFC 4648, standard alphabet, padded): for documents inside JSON and HL7 ED fields.
#pragma once

#include <string>
#include <string_view>

#include "reference/core/result.hpp"

namespace radloop {

std::string base64_encode(std::string_view bytes);
// Whitespace (line breaks in wrapped base64) is skipped; anything else outside the alphabet,
// or a length that is not a whole number of quanta, is an error.
Result<std::string> base64_decode(std::string_view text);

}  // namespace radloop
