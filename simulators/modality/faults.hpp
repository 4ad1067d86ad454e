// The ways a modality goes wrong on purpose, each a named option ("transpose_accession",
// "abort_after=3") usable from code, the CLI and scenario files.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "reference/core/result.hpp"

namespace radloop::modality {

enum class FaultKind : std::uint8_t {
  transpose_accession,           // two adjacent accession characters swapped
  blank_accession,               // (0008,0050) sent empty
  blank_patient_id,              // (0010,0020) sent empty
  other_patient_id,              // =ID; default: another worklist patient's, else the ID with "9" added
  typed_demographics,            // worklist not used: name, ID typed by hand, no accession, new study UID
  unacceptable_transfer_syntax,  // =UID; the study is encoded in it and only it is proposed (default JPEG-LS)
  called_ae_wrong_case,          // the archive's AE title with its case flipped
  unknown_calling_ae,            // =AE; default UNKNOWN_AE
  abort_after,                   // =N; A-ABORT after N instances were answered (default 1)
  resend,                        // the whole study sent a second time
  conflicting_resend,            // the first instance sent again, same SOP Instance UID, other content
  slow_sender,                   // =ms; pause after each PDU (default 100)
  mpps_discontinued,             // =reason; the MPPS ends DISCONTINUED (default "Equipment failure")
  no_mpps                        // no MPPS at all
};

struct Fault {
  FaultKind kind = FaultKind::no_mpps;
  std::string value;  // the part after '=', empty when none was given
};

std::string_view to_string(FaultKind kind);
// "name" or "name=value"; an unknown name or a value the fault cannot use is invalid_config.
Result<Fault> parse_fault(std::string_view text);
// Every fault name, for help texts.
std::vector<std::string_view> fault_names();

// Two adjacent characters swapped: the first pair of differing digits, else of differing
// characters; nothing to swap leaves the value as it is.
std::string transpose_adjacent(const std::string& value);

}  // namespace radloop::modality
