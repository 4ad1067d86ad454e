// An HTTP request target ("/fhir/Patient?name=a%20b") read into a decoded path and query: pure
// string work, so the server and the router share one reading and it is tested without sockets.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "reference/core/result.hpp"

namespace radloop::portal {

struct Target {
  std::string path;                               // decoded, no query
  std::multimap<std::string, std::string> query;  // decoded, '+' read as a space
};

// %XX sequences decoded; nullopt for a '%' not followed by two hex digits. '+' becomes a space
// only in a query (plus_is_space), never in a path.
std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space);

// The raw path of a target: everything before '?' or '#'.
std::string_view raw_path(std::string_view target);

// The path's segments, each decoded on its own, so "%2F" stays inside one segment:
// "/a/b%2Fc" -> {"a", "b/c"}; "/" -> {""}. nullopt for a bad percent sequence.
std::optional<std::vector<std::string>> path_segments(std::string_view target);

// http_bad_request for a target that is not a path starting with '/', a bad percent sequence, a
// NUL byte, or a "." / ".." segment (never served: they would let "/console/../x" pass as
// "/console/" for the access check).
Result<Target> parse_target(std::string_view target);

}  // namespace radloop::portal
