// A scenario told in words, for people reading it before they run it: what each step does and
// what it expects.
#pragma once

#include <string>

#include "harness/scenario.hpp"

namespace radloop::harness {

std::string explain(const Scenario& scenario);
// One step's action in a sentence: "the EHR orders P1 (71250^CT CHEST^CPT4, CT) for MRN1".
std::string describe(const Action& action);

}  // namespace radloop::harness
