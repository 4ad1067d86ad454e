// Acknowledgements: building the ACK a receiver owes for a message (original mode AA/AE/AR,
// enhanced mode CA/CE/CR when MSH-15/16 ask for it), and reading the one a sender gets back.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "reference/core/error.hpp"
#include "reference/core/result.hpp"
#include "reference/hl7/message.hpp"
#include "reference/hl7/validate.hpp"

namespace radloop::hl7 {

enum class AckCode { AA, AE, AR, CA, CE, CR };
std::string_view to_string(AckCode code);

// What the receiver did with a message, independent of the acknowledgement mode.
enum class Outcome { accepted, error, rejected };

// Enhanced mode is asked for by a valued MSH-15 (accept) or MSH-16 (application ack type).
bool enhanced_mode(const Message& original);
AckCode ack_code(const Message& original, Outcome outcome);

struct AckOptions {
  std::string control_id;  // MSH-10 of the ACK itself
  std::string timestamp;   // MSH-7, YYYYMMDDHHMMSS
  std::string text;        // MSA-3; defaults to the first error's text
};

// An ACK for `original`: sender and receiver swapped, MSH-9 ACK^<trigger>^ACK, MSA-2 the
// original control ID, one ERR per issue (ERR-1 before v2.5; ERR-2/3/4/8 from v2.5) for the
// first kMaxErrSegments issues and one more saying how many were left out, in the original's
// delimiters, version and character set.
inline constexpr std::size_t kMaxErrSegments = 50;
Message build_ack(const Message& original, Outcome outcome, const std::vector<Issue>& issues,
                  const AckOptions& options);

// An AR for bytes that could not be read as a message: default delimiters, v2.5.1, and
// MSA-2 = `control_id` when the caller could salvage one.
Message build_reject(const Error& why, const AckOptions& options, std::string_view control_id = {});

// An Error as an ACK issue: its table 0357 code and its sentence.
Issue to_issue(const Error& error);

struct AckSummary {
  std::string code;                      // MSA-1: AA AE AR CA CE CR
  std::string acknowledged_id;           // MSA-2
  std::string text;                      // MSA-3, else the first ERR's message
  std::vector<std::string> error_codes;  // ERR-3.1 (or ERR-1.4.1) of every ERR
};
Result<AckSummary> read_ack(std::string_view er7);

// Why an ACK is no answer to the message sent with `control_id` (MSH-10): its MSA-2 is empty or
// names another message. nullopt when it answers it (or when nothing was sent to compare with).
std::optional<std::string> not_an_answer_to(const AckSummary& ack, std::string_view control_id);

// MSA-1 codes that mean the receiver took responsibility for the message: AA, or CA in
// enhanced mode. Anything else (AE, AR, CE, CR) did not.
inline bool is_accepted(std::string_view ack_code) { return ack_code == "AA" || ack_code == "CA"; }

}  // namespace radloop::hl7
