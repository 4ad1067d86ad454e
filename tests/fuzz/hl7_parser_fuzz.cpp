// libFuzzer target for the HL7 parser: any bytes must give a message or a located error in both
// modes, a message the strict mode accepts must read the same leniently, whatever parses must
// serialize to a fixpoint, and its fields read by path. Validation and the ACK built from a
// parsed message have their own target (hl7_validate_fuzz.cpp), so each input here costs two
// parses, a round trip and a few path reads.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "reference/hl7/parser.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace radloop::hl7;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const auto located = [](const radloop::Error& e) { return !e.where.empty() && !e.detail.empty(); };
  auto strict = parse(input, ParseOptions{true});
  if (!strict && !located(strict.error())) __builtin_trap();
  auto m = parse(input);
  if (!m) {
    // The lenient mode refuses nothing the strict one takes.
    if (!located(m.error()) || strict) __builtin_trap();
    return 0;
  }
  if (strict && !(strict.value() == m.value())) __builtin_trap();
  const auto written = m->serialize();
  auto again = parse(written);
  if (!again || !(again.value() == m.value()) || again->serialize() != written) __builtin_trap();
  for (const auto* path : {"MSH-9.2", "PID-3(2).4.1", "OBX(2)-5", "ZDS-1.1"}) (void)m->get(path);
  return 0;
}
