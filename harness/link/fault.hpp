// A link fault as a value (type, parameters, direction), and the registry that checks it: what
// the proxy injects between a client and its server, like one of Toxiproxy's toxics.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "reference/core/result.hpp"

namespace radloop::harness::link {

// Which way the bytes a fault acts on travel through the proxy.
enum class Direction {
  upstream,    // client → server
  downstream,  // server → client
};

std::string_view to_string(Direction direction);

// One fault, as written in a scenario: {name: slow-ack, type: delay, direction: downstream, params: {ms: "200"}}.
// Parameters stay text until the registry reads them, so a scenario file and a test spell them alike.
struct FaultSpec {
  std::string name;  // unique on a proxy; empty means "the type"
  std::string type;  // a registered type: see fault_types()
  Direction direction = Direction::upstream;
  std::map<std::string, std::string> params;
};

// The contract every fault type keeps, written once here:
//  - Faults form an ordered chain per direction. Bytes read from one side enter the first fault
//    added, leave the last one, and go out to the other side; a fault added later sits after the
//    ones already there. Order within a direction is never changed by any fault.
//  - Every wait is cancellable. A fault waits on the proxy's own timers, never on a sleeping
//    thread, so stop() and remove() return promptly.
//  - A fault that is removed passes on at once every byte it holds, in order, and never drops
//    them silently. The one exception is blackhole, whose whole point is to lose what it swallows.
//  - Delays are measured from when the bytes arrived at the proxy, not from when the previous
//    fault let them go, so chained faults do not add up twice: delay 200 after slice with
//    delay_ms 50 still lets each piece out 200 ms after it arrived (or when slice lets it out,
//    if that is later). Two delays in one chain give the larger, not the sum.
//  - The end of a stream (a side closed) travels through the chain like bytes do, behind the bytes
//    before it; so does a close or reset that a fault decides on, so the bytes a fault lets
//    through reach the far side before the connection goes.
//
// The types and their parameters (all integers, written as text):
//   delay      ms, jitter_ms=0    hold every byte until ms (+ up to jitter_ms) after it arrived
//   slice      bytes, delay_ms=0  pass the stream on in writes of at most `bytes`: split frames
//   drop_after bytes              pass `bytes` bytes, then close both sides; the rest is lost
//   reset      after_bytes=0      pass after_bytes bytes, then reset both sides (TCP RST); with 0,
//                                 the first bytes to arrive trigger it and are lost
//   blackhole  ms=0 (forever)     swallow every byte for ms after it is added, without closing
//
// Errors (invalid_config, where "fault <name>"): an unknown type, an unknown parameter, a missing
// or malformed value; the detail says what was expected and what was given.
Result<void> validate(const FaultSpec& spec);

// The registered type names, sorted.
std::vector<std::string> fault_types();

}  // namespace radloop::harness::link
