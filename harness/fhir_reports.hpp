// Reading the reports a system publishes over FHIR R4: DiagnosticReport searched by accession
// (identifier), each with its Patient's identifiers and its text.
#pragma once

#include <string>
#include <vector>

#include "harness/system_under_test.hpp"
#include "reference/core/result.hpp"

namespace radloop::harness {

// base: the FHIR base URL (http://host:port/fhir). Errors when the server cannot be reached or
// answers other than 200 with a Bundle.
Result<std::vector<PublishedReport>> fhir_reports(const std::string& base, const std::string& token,
                                                  const std::string& accession);

}  // namespace radloop::harness
