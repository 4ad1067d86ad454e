// drop_after: passes the first `bytes` bytes of a direction, then closes the connection on both
// sides; whatever follows is lost — a link that dies mid-message.
#include "harness/link/end_after.hpp"
#include "harness/link/registry.hpp"

namespace radloop::harness::link {

Result<FaultPtr> make_drop_after(const FaultParams& params) {
  if (auto known = params.only({"bytes"}); !known) return known.error();
  auto bytes = params.positive("bytes", "how many bytes pass before the connection is closed");
  if (!bytes) return bytes.error();
  return FaultPtr(std::make_shared<EndAfter>(*bytes, Chunk::Kind::cut));
}

}  // namespace radloop::harness::link
