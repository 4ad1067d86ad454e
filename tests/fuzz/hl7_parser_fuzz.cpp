// libFuzzer target for the HL7 parser: any bytes must give a message or a located error, and
// whatever parses must serialize to a fixpoint, validate and be acknowledged without crashing.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "reference/hl7/ack.hpp"
#include "reference/hl7/parser.hpp"
#include "reference/hl7/validate.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace radloop::hl7;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  (void)parse(input, ParseOptions{true});
  auto m = parse(input);
  if (!m) {
    if (m.error().where.empty() || m.error().detail.empty()) __builtin_trap();  // every error is located
    return 0;
  }
  const auto written = m->serialize();
  auto again = parse(written);
  if (!again || !(again.value() == m.value()) || again->serialize() != written) __builtin_trap();
  const auto issues = validate(m.value());
  (void)build_ack(m.value(), Outcome::error, issues, AckOptions{"F1", "20260101", ""}).serialize();
  for (const auto* path : {"MSH-9.2", "PID-3(2).4.1", "OBX(2)-5", "ZDS-1.1"}) (void)m->get(path);
  return 0;
}
