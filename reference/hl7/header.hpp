// The MSH header of an ER7 message as a plain record, and the ACK built from it.
// Minimal by intent: enough to address an ACK; the full codec lives beside it.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "reference/core/error.hpp"
#include "reference/core/result.hpp"

namespace radloop::hl7 {

struct MessageHeader {
  char field_separator = '|';
  std::string encoding_characters = "^~\\&";  // MSH-2
  std::string sending_application;            // MSH-3
  std::string sending_facility;               // MSH-4
  std::string receiving_application;          // MSH-5
  std::string receiving_facility;             // MSH-6
  std::string message_type;                   // MSH-9.1, e.g. "ADT"
  std::string trigger_event;                  // MSH-9.2, e.g. "A04"
  std::string control_id;                     // MSH-10
  std::string processing_id;                  // MSH-11
  std::string version;                        // MSH-12

  [[nodiscard]] char component_separator() const { return encoding_characters.at(0); }
};

// Reads MSH from the first segment of an ER7 message. Fails with hl7_not_a_message when
// the payload does not start with MSH, and hl7_required_missing when MSH-9 or MSH-10 is empty.
Result<MessageHeader> parse_header(std::string_view er7);

enum class AckCode { AA, AE, AR };
std::string_view to_string(AckCode code);

struct AckRequest {
  AckCode code = AckCode::AA;
  std::string control_id;      // MSH-10 of the ACK itself
  std::string timestamp;       // MSH-7, YYYYMMDDHHMMSS
  std::optional<Error> error;  // becomes MSA-3 text and an ERR segment
};

// An original-mode ACK answering `original` (MSA-2 carries its control ID), in its own
// encoding characters and version.
std::string build_ack(const MessageHeader& original, const AckRequest& ack);

// An ACK for a payload whose header could not be read: default encoding, empty MSA-2.
std::string build_reject(const Error& why, std::string_view control_id, std::string_view timestamp);

// The ACK code (MSA-1) and MSA-2 of an ACK message, for clients reading replies.
struct AckSummary {
  std::string code;             // "AA", "AE", "AR", "CA", "CE", "CR"
  std::string acknowledged_id;  // MSA-2
  std::string text;             // MSA-3
};
Result<AckSummary> read_ack(std::string_view er7);

// MSA-1 codes that mean the receiver took responsibility for the message: AA, or CA in
// enhanced mode. Anything else (AE, AR, CE, CR) did not.
inline bool is_accepted(std::string_view ack_code) { return ack_code == "AA" || ack_code == "CA"; }

}  // namespace radloop::hl7
