// The fault registry inside the link folder: a spec resolves by type name to the one file that
// implements it.
#pragma once

#include <memory>

#include "harness/link/fault.hpp"
#include "harness/link/params.hpp"
#include "harness/link/stage.hpp"

namespace radloop::harness::link {

// The table is spelled out in fault.cpp, so nothing depends on static registration surviving
// the linker.
using FaultPtr = std::shared_ptr<const Fault>;

// Checks the spec and builds the fault; a blackhole's period starts here.
Result<FaultPtr> resolve(const FaultSpec& spec);

// One per fault type, each in the file named after the type.
Result<FaultPtr> make_delay(const FaultParams& params);
Result<FaultPtr> make_slice(const FaultParams& params);
Result<FaultPtr> make_drop_after(const FaultParams& params);
Result<FaultPtr> make_reset(const FaultParams& params);
Result<FaultPtr> make_blackhole(const FaultParams& params);

}  // namespace radloop::harness::link
