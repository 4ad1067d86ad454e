// What a simulated HL7 system (EHR, RIS) sent, received and answered, in order, each with the
// ground truth: the patient, order and study the message is really about.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "simulators/common/event_log.hpp"

namespace radloop::hl7sim {

struct GroundTruth {
  std::string patient_id;
  std::string placer_order;
  std::string accession;
  std::string study_instance_uid;
};

struct Hl7Event {
  std::uint64_t sequence = 0;  // 1, 2, ... in the order recorded
  std::string time;            // UTC, ISO 8601 with milliseconds
  std::string actor;           // ehr, ris
  // sent (a message and the ACK code it got, or why none came), received (a message from the
  // system under test and what it was answered), down, up, fault
  std::string action;
  std::string message_type;  // ADT^A04, ORU^R01 ...
  std::string control_id;
  std::string ack;  // AA, AE, AR, none (no answer), dropped (connection closed), "" when not applicable
  std::string detail;
  GroundTruth truth;
};

class EventLog : public sim::EventLog<Hl7Event> {
 public:
  // One JSON object per line, in order.
  [[nodiscard]] std::string json_lines() const;
};

}  // namespace radloop::hl7sim
