// Text helpers shared by the HTML and JUnit reports: escaping for markup, JSON dumps that never
// throw, and a run's verdict read back from its JSON report.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "harness/checkers.hpp"

namespace radloop::harness::internal {

// Text safe in HTML element content and in quoted attributes: & < > " ' become references. Bytes
// that are not UTF-8, and control characters markup cannot carry, become U+FFFD: a report quotes
// whatever a peer sent.
std::string escape_html(std::string_view text);
// The same for XML 1.0; a carriage return also becomes &#13;, so a parser keeps it.
std::string escape_xml(std::string_view text);

// json::dump that never throws: bytes that are not UTF-8 become U+FFFD.
std::string dump_json(const nlohmann::json& value, int indent = -1);

// A report's "valid": true, false, "not_exercised"; anything else (the string "unknown",
// nothing) is unknown.
Validity verdict_of(const nlohmann::json& valid);

// object[key], or null when object is not an object or has no such key.
const nlohmann::json& field(const nlohmann::json& object, std::string_view key);
// run[key] as text: a string as is, a number or other value dumped, nothing as "".
std::string text_of(const nlohmann::json& run, std::string_view key);

}  // namespace radloop::harness::internal
