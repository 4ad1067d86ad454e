// ER7 parsing: bytes from the wire or a file to a Message, with every tolerated deviation
// recorded as a warning with its location, and every fatal one an Error with its location.
#pragma once

#include <string_view>

#include "reference/core/result.hpp"
#include "reference/hl7/message.hpp"

namespace radloop::hl7 {

struct ParseOptions {
  // Strict: anything the lenient reading would repair or guess (LF/CRLF terminators, raw line
  // breaks inside a field, blank lines, MLLP framing, a 3-character MSH-2, undeclared
  // non-ASCII bytes...) is an error instead of a warning.
  bool strict = false;
};

// Reads one message, a batch (BHS..BTS), a file (FHS..FTS), or several messages back to back;
// segments stay in order and split_messages() separates them. Never throws on bad input.
Result<Message> parse(std::string_view bytes, const ParseOptions& options = {});

// Each MSH..(next MSH/BTS/FTS) run as its own Message (header segments of a batch dropped).
std::vector<Message> split_messages(const Message& batch);

}  // namespace radloop::hl7
