// What a step's completion must show under one key: one value or any of several, typed (text,
// number, yes/no), or a class of DIMSE statuses ("warning" for 0xB000-0xBFFF and the other
// warning codes). Where the standards allow several answers, a scenario lists them all.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace radloop::harness {

struct Expected {
  std::vector<nlohmann::json> any_of;  // each a string, a number or a boolean

  // Whether an observed value is one of the alternatives. A number and its decimal text are the
  // same value; a DIMSE status written "0xB000" also matches its class name (success, warning,
  // failure, cancel, pending).
  [[nodiscard]] bool matches(const nlohmann::json& observed) const;
  // "AA", "AA or AE": for people.
  [[nodiscard]] std::string text() const;
};

// A YAML scalar as written: "2" is the number 2, "true"/"false" are booleans, "AA|AE" is either
// of two values; anything else is text.
Expected expected_from_text(std::string_view text);
// Several alternatives, each typed as above (a YAML list).
Expected expected_from_list(const std::vector<std::string>& texts);

// A single value, or a list of the alternatives.
nlohmann::json to_json(const Expected& expected);

using Expectations = std::map<std::string, Expected>;
nlohmann::json to_json(const Expectations& expectations);

// The class of a DIMSE status (PS3.7 Annex C): success, warning, failure, cancel or pending.
std::string_view dimse_class(unsigned status);

}  // namespace radloop::harness
