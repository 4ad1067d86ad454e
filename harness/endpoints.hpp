// An endpoints file: how to reach a system under test that radloop did not start — its inbound
// MLLP, its DICOM service, where it sends HL7 (radloop's simulators listen there), and how to see
// what landed in it.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "harness/system_under_test.hpp"
#include "reference/core/result.hpp"

namespace radloop::harness {

struct SutEndpoints {
  std::string name;                   // for reports
  Endpoints address;                  // MLLP in, DICOM (store, worklist, MPPS, commitment, C-FIND)
  std::uint16_t ris_listen_port = 0;  // the RIS simulator listens here: the system sends orders to it
  std::uint16_t ehr_listen_port = 0;  // the EHR simulator listens here: the system sends reports to it
  bool c_find = false;                // Study Root C-FIND on the DICOM address shows what landed
  std::string radloop_api;            // a radloop portal's base URL: inbound log and study state
  std::string qido_rs;                // a QIDO-RS base URL (…/studies is appended): how studies are filed
  std::string fhir;                   // a FHIR R4 base URL: the reports it publishes (DiagnosticReport)
  std::string token;                  // its bearer token
  std::filesystem::path origin;
};

Result<SutEndpoints> parse_endpoints(const std::string& yaml_text, const std::filesystem::path& origin = {});
Result<SutEndpoints> load_endpoints(const std::filesystem::path& path);

// The system the file describes, seen only through what it names.
std::unique_ptr<SystemUnderTest> external_system(const SutEndpoints& endpoints);

}  // namespace radloop::harness
