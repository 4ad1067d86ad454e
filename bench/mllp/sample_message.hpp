// The HL7 message the MLLP round-trip benchmarks send: an ORU^R01 of about `bytes` bytes
// (narrative OBX lines), so every round-trip figure is measured on the same payload.
#pragma once

#include <cstddef>
#include <string>

namespace radloop::bench {

inline std::string sample_message(std::size_t bytes = 1000) {
  std::string m = "MSH|^~\\&|EHR|GENERAL|RADLOOP|RAD|20260101120000||ORU^R01|BENCH0001|P|2.5.1\r";
  m += "PID|1||MRN12345^^^GENERAL^MR||DOE^JANE||19700101|F\r";
  while (m.size() < bytes) m += "OBX|1|TX|^IMPRESSION||No acute cardiopulmonary abnormality.||||||F\r";
  return m;
}

}  // namespace radloop::bench
