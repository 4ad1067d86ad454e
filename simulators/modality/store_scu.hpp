// The modality's C-STORE sender: files over one or N concurrent associations, every answer (or
// why there was none) kept per instance and recorded as an event.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "reference/core/result.hpp"
#include "simulators/modality/events.hpp"
#include "simulators/modality/target.hpp"

namespace radloop::modality {

struct StoreOptions {
  // How the files are shared out among the associations: contiguous runs (file i of n goes to
  // association i*N/n, so a series tends to stay on one) or round robin (file i to i mod N).
  enum class Split : std::uint8_t { contiguous, round_robin };
  unsigned associations = 1;  // sent concurrently, each association on its own thread
  // Transfer syntaxes proposed for every SOP class, and the only ones a file goes out in (the
  // fault "unacceptable_transfer_syntax"). Empty: each file's own syntax, and Explicit and Implicit
  // VR little endian; a file the receiver does not take in its own syntax is converted to an
  // uncompressed one it accepted.
  std::vector<std::string> proposed_transfer_syntaxes;
  // A-ABORT once this many instances were answered (across associations); the rest are not sent.
  std::optional<std::size_t> abort_after;
  // Sleep this long after each PDU of a data set: a slow sender (or a slow network).
  std::chrono::milliseconds pdu_delay{0};
  Split split = Split::contiguous;
};

struct StoreOutcome {
  enum class Kind : std::uint8_t {
    answered,         // a C-STORE response came back; see status
    context_refused,  // the peer accepted no context it can be sent in (own syntax or a conversion)
    broke_off,        // the association failed during the transfer
    not_sent          // the association was rejected or aborted before it
  };
  std::filesystem::path path;
  std::string sop_class_uid;
  std::string sop_instance_uid;
  std::string transfer_syntax_uid;       // the file's own
  std::string sent_transfer_syntax_uid;  // what it went out in (the context's); empty when not sent
  unsigned association = 0;              // which run, from 0
  Kind kind = Kind::not_sent;
  std::uint16_t status = 0xFFFF;  // when answered
  std::string detail;
};

struct StoreReport {
  std::vector<StoreOutcome> outcomes;  // one per file, in the order given
  [[nodiscard]] std::size_t count(StoreOutcome::Kind kind) const;
  // Answered with success or a warning (0xB000-0xBFFF, 0x0107, 0x0116): the peer kept it.
  [[nodiscard]] std::size_t accepted() const;
};

// What the files carry, for the events (the truth is what they should have carried).
struct SentIdentity {
  std::string patient_id;
  std::string accession_number;
};

// Errors only for what stops the sending from starting (a file that is not DICOM, no files);
// rejections, refusals and failures are outcomes.
Result<StoreReport> send_instances(const Target& target, const std::vector<std::filesystem::path>& files,
                                   const StoreOptions& options, EventLog& log, const GroundTruth& truth,
                                   const SentIdentity& sent = {});

std::string_view to_string(StoreOutcome::Kind kind);
std::string_view to_string(StoreOptions::Split split);
// "contiguous" or "round_robin"; anything else is invalid_config.
Result<StoreOptions::Split> parse_split(std::string_view text);

}  // namespace radloop::modality
