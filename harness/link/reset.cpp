// reset: passes `after_bytes` bytes of a direction, then resets the connection: both sides get a
// TCP RST ("connection reset by peer"), as when a peer crashes or a firewall kills the flow.
#include "harness/link/end_after.hpp"
#include "harness/link/registry.hpp"

namespace radloop::harness::link {

Result<FaultPtr> make_reset(const FaultParams& params) {
  if (auto known = params.only({"after_bytes"}); !known) return known.error();
  auto after_bytes = params.non_negative("after_bytes", 0);
  if (!after_bytes) return after_bytes.error();
  return FaultPtr(std::make_shared<EndAfter>(*after_bytes, Chunk::Kind::reset));
}

}  // namespace radloop::harness::link
