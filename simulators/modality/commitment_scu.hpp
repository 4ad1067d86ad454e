// The modality's side of Storage Commitment (push model): ask the archive to commit what was sent
// and wait for its report, on the same association or on one the archive opens back to us.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "reference/core/result.hpp"
#include "reference/dicom/commitment.hpp"
#include "simulators/modality/target.hpp"

namespace radloop::modality {

struct CommitmentRequest {
  Target target;  // its timeout also bounds the wait for the report
  std::vector<dicom::SopReference> instances;
  std::string transaction_uid;  // empty: a fresh UID
  // 0: the report is awaited on the requesting association. Otherwise the association is released
  // after the N-ACTION and the report is awaited on this port, as the archive's SCU calls back.
  std::uint16_t listen_port = 0;
};

struct CommitmentOutcome {
  std::uint16_t action_status = 0;  // the N-ACTION response; the report is awaited only on 0x0000
  bool reported = false;            // false: no report came within the timeout
  std::uint16_t event_type_id = 0;  // 1: all committed, 2: some failed
  dicom::CommitmentReport report;
};

// A modality that only listens: the archive owes it a report (from an earlier request, say one
// made before the archive restarted) and calls back on `port`.
struct ReportWait {
  std::string ae_title;  // our AE title, as the archive calls it
  std::uint16_t port = 0;
  std::string transaction_uid;  // empty: the first report of any transaction
  std::chrono::seconds timeout{30};
};

struct ReceivedReport {
  std::uint16_t event_type_id = 0;
  dicom::CommitmentReport report;
};

// Nothing (not an error) when no report came within the timeout; an error when the port cannot
// be listened on.
Result<std::optional<ReceivedReport>> await_commitment_report(const ReportWait& wait);

// Association and DIMSE failures are errors; a refused N-ACTION or a report that never came are
// outcomes (action_status, reported) a test can assert on.
Result<CommitmentOutcome> request_commitment(const CommitmentRequest& request);

}  // namespace radloop::modality
