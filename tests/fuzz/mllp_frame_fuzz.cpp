// libFuzzer target for the MLLP frame decoder: any bytes, fed in any split (the first input byte
// picks the chunk size), give the same frames as fed whole, never one over the limit, and a
// located error when the limit is passed.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "reference/mllp/frame.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using radloop::mllp::FrameDecoder;
  if (size == 0) return 0;
  const std::size_t chunk = 1 + data[0] % 64;
  const std::string_view bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  constexpr std::size_t kMax = 4096;

  FrameDecoder whole(kMax);
  std::vector<std::string> all_at_once;
  const auto fed = whole.feed(bytes, all_at_once);

  FrameDecoder split(kMax);
  std::vector<std::string> piecewise;
  bool failed = false;
  for (std::size_t at = 0; at < bytes.size() && !failed; at += chunk) {
    const auto step = split.feed(bytes.substr(at, chunk), piecewise);
    if (!step) {
      if (step.error().where.empty() || step.error().detail.empty()) __builtin_trap();
      failed = true;
    }
  }
  for (const auto& frame : piecewise) {
    if (frame.size() > kMax) __builtin_trap();
  }
  if (fed.ok() != !failed) __builtin_trap();
  if (fed && piecewise != all_at_once) __builtin_trap();
  if (split.buffered_bytes() > kMax) __builtin_trap();
  return 0;
}
