// ER7 escape sequences: raw field text <-> the UTF-8 value it stands for.
#pragma once

#include <string>
#include <string_view>

#include "reference/core/result.hpp"
#include "reference/hl7/encoding.hpp"

namespace radloop::hl7 {

// Decodes \F\ \S\ \T\ \R\ \E\ \P\ to the delimiters, \.br\ to "\n" and \Xhh..\ to bytes, then
// converts the charset to UTF-8. Highlighting (\H\ \N\), charset switches (\Cxxyy\ \Mxxyyzz\),
// locally defined \Z..\ and the other formatting commands stay verbatim; a lone escape
// character with no closing one is kept as text.
std::string unescape(std::string_view raw, const Delimiters& delimiters, Charset charset);

// The inverse: converts UTF-8 to the charset and escapes delimiters, line breaks (\.br\) and
// control characters (\Xhh\). A well-formed pass-through sequence (\H\, \N\, \Cxxyy\,
// \Mxxyyzz\, \Z..\, \.sp\ ...) is written back verbatim, so decoding then encoding loses nothing.
Result<std::string> escape(std::string_view value, const Delimiters& delimiters, Charset charset);

}  // namespace radloop::hl7
