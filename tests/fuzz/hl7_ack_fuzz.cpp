// libFuzzer target for reading the ACK a peer sends back (the outbox and every simulator judge a
// delivery by it): any bytes give a summary or a located error, and the MSA-2 check never calls
// an ACK an answer to a control ID it does not name. The resend test and its digest ride along.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "reference/hl7/ack.hpp"
#include "reference/hl7/resend.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace radloop::hl7;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  auto ack = read_ack(input);
  if (!ack) {
    if (ack.error().where.empty() || ack.error().detail.empty()) __builtin_trap();
  } else {
    const bool answers = !not_an_answer_to(*ack, "C-1").has_value();
    if (answers && ack->acknowledged_id != "C-1") __builtin_trap();
    (void)is_accepted(ack->code);
  }
  // The resend test compares any two payloads, and the digest kept for each once its payload is
  // gone says the same; a message is always a resend of itself.
  const auto half = input.substr(0, size / 2);
  const auto rest = input.substr(size / 2);
  if (same_message(half, rest) != (resend_digest(half) == resend_digest(rest))) __builtin_trap();
  if (!same_message(input, input)) __builtin_trap();
  return 0;
}
