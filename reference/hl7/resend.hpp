// Whether a message that reuses a sender's control ID is a resend of the one received before.
// A receiver that deduplicates on MSH-3/MSH-4/MSH-10 must not take another message for a resend:
// answering it AA and applying nothing loses it with a positive acknowledgement.
#pragma once

#include <string>
#include <string_view>

namespace radloop::hl7 {

// True when `again` is `first` sent again. HL7 v2 expects a resend to be the same message; what a
// resender may still change is left out of the comparison:
//   - MSH-7 (date/time of message), which interface engines restamp when they resend;
//   - the encoding: segment terminators (CR, LF, CR LF) and how each value is escaped.
// Everything else, MSH-9, MSH-10 and every segment after MSH included, must be the same. Bytes
// that do not parse as a message are compared as they are, line breaks aside.
bool same_message(std::string_view first, std::string_view again);

// SHA-256 (lowercase hex) of what same_message compares: payloads with the same digest are the same
// message in its sense. Kept beside the inbound log, it tells a resend once the payload is gone.
// Empty only if the digest cannot be computed.
std::string resend_digest(std::string_view raw);

}  // namespace radloop::hl7
