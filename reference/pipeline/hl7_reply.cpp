// MSA-1 to a sender's verdict.
#include "reference/pipeline/hl7_reply.hpp"

#include "reference/hl7/ack.hpp"

namespace radloop::pipeline {

mllp::ReplyVerdict classify_hl7_reply(std::string_view reply) {
  auto ack = hl7::read_ack(reply);
  if (!ack) return mllp::ReplyVerdict{"unreadable", false, false};
  return mllp::ReplyVerdict{ack->code, hl7::is_accepted(ack->code), false};
}

}  // namespace radloop::pipeline
