// What an HL7 reply means to an MLLP sender: MSA-1 read by the HL7 layer, handed to mllp::Sender
// as its classifier (mllp itself does not read HL7).
#pragma once

#include <string_view>

#include "reference/mllp/sender.hpp"

namespace radloop::pipeline {

// AA/CA: accepted. AE/CE (the receiver could not process it) and AR/CR (it refused it): final,
// not accepted; a resend of the same bytes would get the same answer. An unreadable reply is
// not accepted and names itself "unreadable".
mllp::ReplyVerdict classify_hl7_reply(std::string_view reply);

}  // namespace radloop::pipeline
