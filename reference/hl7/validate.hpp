// Structural validation of a parsed message against its abstract message structure
// (segments, order, groups) and the fields radiology cannot do without. Each problem carries
// its location and its HL7 table 0357 code, ready to become an ERR segment.
#pragma once

#include <string>
#include <vector>

#include "reference/hl7/message.hpp"
#include "reference/hl7/path.hpp"

namespace radloop::hl7 {

enum class Severity { error, warning, information };  // ERR-4: E, W, I
char to_char(Severity severity);

struct Issue {
  Severity severity = Severity::error;
  Location where;
  int code = 0;  // HL7 table 0357
  std::string text;
};

// HL7 table 0357 text for a code ("Required field missing").
std::string_view error_condition_text(int code);

// Checks MSH, the structure named by MSH-9 (ADT_A01, ADT_A05, ADT_A39, ORM_O01, OMI_O23,
// ORU_R01, ORR_O02, ACK), required fields and a few coded values. Z-segments are allowed
// anywhere; a segment the structure does not define is a warning; a known segment in the
// wrong place, or a required one missing, is an error.
std::vector<Issue> validate(const Message& message);

// True when no issue is an error.
bool valid(const std::vector<Issue>& issues);

}  // namespace radloop::hl7
