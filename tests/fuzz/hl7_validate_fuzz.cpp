// libFuzzer target for what the reference does with a message once it parses: validation, the
// ACK built from its issues (one ERR each, escaped), and reading fields by path. Inputs that do not
// parse end at once; the parser itself is fuzz_hl7_parser's.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "reference/hl7/ack.hpp"
#include "reference/hl7/parser.hpp"
#include "reference/hl7/validate.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace radloop::hl7;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  auto m = parse(input);
  if (!m) return 0;
  const auto issues = validate(m.value());
  (void)build_ack(m.value(), Outcome::error, issues, AckOptions{"F1", "20260101", ""}).serialize();
  for (const auto* path : {"MSH-9.2", "PID-3(2).4.1", "OBX(2)-5", "ZDS-1.1"}) (void)m->get(path);
  return 0;
}
