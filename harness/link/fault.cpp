// The fault registry: type names to the files that implement them, and the checks every spec
// passes before it reaches a proxy.
#include "harness/link/fault.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <array>
#include <utility>

#include "harness/link/registry.hpp"

namespace radloop::harness::link {

namespace {

struct Registered {
  std::string_view type;
  Result<FaultPtr> (*make)(const FaultParams&);
};

// Sorted by type, so fault_types() and the "the types are ..." sentence read alphabetically.
constexpr std::array kRegistry{
    Registered{"blackhole", make_blackhole}, Registered{"delay", make_delay}, Registered{"drop_after", make_drop_after},
    Registered{"reset", make_reset},         Registered{"slice", make_slice},
};

}  // namespace

std::string_view to_string(Direction direction) {
  switch (direction) {
    case Direction::upstream: return "upstream";
    case Direction::downstream: return "downstream";
  }
  return "unknown";
}

std::vector<std::string> fault_types() {
  std::vector<std::string> types;
  for (const auto& entry : kRegistry) types.emplace_back(entry.type);
  return types;
}

Result<FaultPtr> resolve(const FaultSpec& spec) {
  const FaultParams params(spec);
  if (spec.type.empty()) {
    return params.error(fmt::format("the fault has no type; the types are {}", fmt::join(fault_types(), ", ")));
  }
  const auto* entry =
      std::find_if(kRegistry.begin(), kRegistry.end(), [&](const Registered& r) { return r.type == spec.type; });
  if (entry == kRegistry.end()) {
    return params.error(
        fmt::format("there is no fault type \"{}\"; the types are {}", spec.type, fmt::join(fault_types(), ", ")));
  }
  if (spec.direction != Direction::upstream && spec.direction != Direction::downstream) {
    return params.error("the direction must be upstream (client to server) or downstream (server to client)");
  }
  return entry->make(params);
}

Result<void> validate(const FaultSpec& spec) {
  auto fault = resolve(spec);
  if (!fault) return fault.error();
  return {};
}

}  // namespace radloop::harness::link
