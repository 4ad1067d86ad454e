// What the modality did and what it was answered, in order, each with the ground truth: which
// patient and order the study really belongs to, whatever the modality was made to send.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "simulators/common/event_log.hpp"

namespace radloop::modality {

struct GroundTruth {
  std::string patient_id;
  std::string accession_number;
  std::string study_instance_uid;
};

struct ModalityEvent {
  std::uint64_t sequence = 0;  // 1, 2, ... in the order recorded
  std::string time;            // UTC, ISO 8601 with milliseconds
  // echo, worklist_query, association, association_rejected, store, not_sent, abort, mpps_create,
  // mpps_set, commitment, fault
  std::string action;
  std::string detail;
  std::optional<std::uint16_t> status;  // the DIMSE status answered, when there was one
  std::string sop_instance_uid;
  std::string sent_patient_id;  // what went out, when it differs from nothing
  std::string sent_accession_number;
  GroundTruth truth;
};

class EventLog : public sim::EventLog<ModalityEvent> {
 public:
  // One JSON object per line, in order.
  [[nodiscard]] std::string json_lines() const;
};

}  // namespace radloop::modality
