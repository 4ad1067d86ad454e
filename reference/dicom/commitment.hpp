// Storage Commitment (push model, PS3.4 Annex J) as plain records: what a modality asks to have
// committed and what the archive reports back. Shared by the SCP here and the simulator's SCU.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "reference/core/result.hpp"
#include "reference/dicom/instance.hpp"

namespace radloop::dicom {

struct SopReference {
  std::string sop_class_uid;     // (0008,1150)
  std::string sop_instance_uid;  // (0008,1155)
};

// The durable index's row for an instance (a store behind the server), by SOP Instance UID;
// nothing when it has none, an error when it cannot say. Storage Commitment asks it before it
// commits to an instance.
using IndexedInstance = std::function<Result<std::optional<InstanceRecord>>(const std::string& sop_instance_uid)>;

// Failure Reason (0008,1197) values, PS3.4 J.3.3.1.2 / PS3.3 C.14.1.1.
namespace commitment_failure {
inline constexpr std::uint16_t processing_failure = 0x0110;
inline constexpr std::uint16_t no_such_object_instance = 0x0112;
inline constexpr std::uint16_t resource_limitation = 0x0213;
inline constexpr std::uint16_t sop_class_not_supported = 0x0122;
inline constexpr std::uint16_t class_instance_conflict = 0x0119;
inline constexpr std::uint16_t duplicate_transaction_uid = 0x0131;
}  // namespace commitment_failure

// "no such object instance (0x0112)".
std::string describe_commitment_failure(std::uint16_t reason);

struct CommitmentFailure {
  SopReference instance;
  std::uint16_t reason = commitment_failure::processing_failure;
};

// The content of one N-EVENT-REPORT: Event Type ID 1 when nothing failed, 2 otherwise.
struct CommitmentReport {
  std::string transaction_uid;  // (0008,1195), as the request gave it
  std::vector<SopReference> committed;
  std::vector<CommitmentFailure> failed;

  [[nodiscard]] std::uint16_t event_type_id() const { return failed.empty() ? 1 : 2; }
};

// Where the archive sends a report when it does not use the requesting association.
struct CommitmentPeer {
  std::string ae_title;  // the requesting (calling) AE title this entry is for; also the called AE
  std::string host;
  std::uint16_t port = 0;
};

// A report owed to a requester on an association of its own. It is kept (commitment_sink) before
// the N-ACTION is answered and settled once the requester has answered it or it was given up, so
// that a restart, even a kill -9, does not lose it: the reports still owed come back at start.
struct OwedReport {
  std::int64_t id = 0;  // the keeper's key; 0 until kept
  CommitmentPeer peer;
  CommitmentReport report;
  std::int64_t owed_since_ms = 0;  // wall clock, ms since the epoch: when the N-ACTION was answered
};

struct CommitmentSink {
  // Keeps an owed report durably; returns its key. A failure refuses the N-ACTION (0x0110).
  std::function<Result<std::int64_t>(const OwedReport&)> keep;
  // The report is no longer owed: delivered (the requester answered it, whatever the status), or
  // given up; `outcome` says which, in words.
  std::function<Result<void>(std::int64_t id, bool delivered, const std::string& outcome)> settle;
};

// How a report that could not be delivered is tried again: after `first`, then twice as long each
// time up to `max_delay`, for `give_up_after` from the N-ACTION (PS3.4 J.3.3: the archive keeps
// trying within its own time limit).
struct ReportRetry {
  std::chrono::milliseconds first{2000};
  std::chrono::milliseconds max_delay{std::chrono::minutes(5)};
  std::chrono::milliseconds give_up_after{std::chrono::hours(24)};
};

}  // namespace radloop::dicom
