// ASCII case folding, for what HTTP compares without regard to case: field names, media types and
// their parameter names (RFC 9110 5.1, 8.3.1), host names. Bytes above 0x7F stay as they are.
#pragma once

#include <string>
#include <string_view>

namespace radloop::portal::internal {

inline std::string ascii_lowercase(std::string_view text) {
  std::string lower(text);
  for (auto& c : lower) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return lower;
}

}  // namespace radloop::portal::internal
