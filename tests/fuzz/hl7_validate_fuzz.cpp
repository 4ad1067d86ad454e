// libFuzzer target for what the reference does with a message once it parses: validation and the
// ACK built from its issues (one ERR each, escaped). Inputs that do not parse end at once; the
// parser and reading fields by path are hl7_parser_fuzz.cpp's.
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
  return 0;
}
