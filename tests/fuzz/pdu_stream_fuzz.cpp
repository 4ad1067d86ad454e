// libFuzzer target for the PDU guard, the first reader of every byte a DICOM peer sends: any
// stream is followed or refused with a located error, and the verdict does not depend on how the
// reads happened to cut it (the first input byte sets the cut).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "reference/dicom/internal/pdu_guard.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace radloop::dicom::internal;
  if (size == 0) return 0;
  const std::size_t step = 1 + data[0] % 16;
  const std::string_view bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  PduLimits limits;  // low, so the refusals are reached
  limits.max_pdata_bytes = 4096;
  limits.max_associate_bytes = 4096;
  limits.max_other_bytes = 64;
  limits.max_command_bytes = 2048;
  limits.command.max_depth = 4;
  limits.command.max_elements = 200;

  PduGuard whole(limits);
  const auto at_once = whole.feed(bytes);
  if (!at_once && (at_once.error().where.empty() || at_once.error().detail.empty())) __builtin_trap();

  PduGuard pieces(limits);
  bool refused = false;
  for (std::size_t at = 0; at < bytes.size() && !refused; at += step) refused = !pieces.feed(bytes.substr(at, step));
  if (refused == at_once.ok()) __builtin_trap();  // the same bytes, the same verdict
  if (refused && !(pieces.refused()->where == at_once.error().where)) __builtin_trap();
  return 0;
}
