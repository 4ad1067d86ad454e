// Run namespaces: the same scenario file run twice against a system that keeps its data must not
// meet its own earlier run. Every identifier the scenario names (MRN, placer and accession
// numbers, control IDs of literal messages) gets a suffix, and the seed behind every generated
// UID and control ID moves with the namespace.
#pragma once

#include <cstdint>
#include <string>

#include "harness/scenario.hpp"

namespace radloop::harness {

// A namespace is a number; its suffix is that number in letters (A-Z, five of them), so digit
// faults (a transposed accession) and leading zeros behave as they do on the bare identifiers,
// and an accession stays within DICOM's 16 characters.
struct IdNamespace {
  std::uint32_t number = 0;

  static constexpr std::uint32_t kCount = 26U * 26U * 26U * 26U * 26U;
  [[nodiscard]] std::string suffix() const;
  // A fresh namespace from the system's random source: two runs meet with odds of 1 in kCount.
  static IdNamespace random();
};

// The scenario with every identifier renamed into the namespace; what it expects renamed alike.
Scenario in_namespace(Scenario scenario, const IdNamespace& ns);

// A literal HL7 message with its identifiers renamed: MSH-10, PID-2/3, MRG-1, ORC-2/3, OBR-2/3/18.
// A payload that is not HL7 is returned as it is.
std::string hl7_in_namespace(const std::string& message, const std::string& suffix);

}  // namespace radloop::harness
