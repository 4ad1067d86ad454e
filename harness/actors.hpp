// The simulated EHR and RIS that a scenario's actor steps (ehr.*, ris.*) drive, on ephemeral
// loopback ports, and the running of those steps into the history.
#pragma once

#include <cstdint>
#include <memory>

#include "harness/history.hpp"
#include "harness/scenario.hpp"
#include "harness/system_under_test.hpp"
#include "simulators/ehr/ehr.hpp"
#include "simulators/ris/ris.hpp"

namespace radloop::harness {

struct Actors {
  std::unique_ptr<ehr::Ehr> ehr;
  std::unique_ptr<ris::Ris> ris;

  // Both listening; they send nowhere until connect(). Control IDs derive from the seed.
  static Result<Actors> start(std::uint64_t seed);
  // Both send to the system under test's inbound MLLP.
  void connect(const Endpoints& sut) const;
};

// Runs an actor step; with no actors (a system that was not started to route to them) the
// step's outcome is unknown, and says why.
Operation run_actor_step(std::size_t index, const Step& step, Actors* actors, History& history);

// What the simulators sent on their own (the RIS's accessioned orders), into the history as
// hl7_send operations, so the checkers see every message the system was sent.
void record_actor_sends(Actors& actors, History& history);

}  // namespace radloop::harness
