// The HL7 simulators' event log (see events.hpp).
#include "simulators/hl7peer/events.hpp"

#include <nlohmann/json.hpp>

namespace radloop::hl7sim {

std::string EventLog::json_lines() const {
  std::string out;
  for (const auto& e : events()) {
    const nlohmann::json j{{"sequence", e.sequence},
                           {"time", e.time},
                           {"actor", e.actor},
                           {"action", e.action},
                           {"message_type", e.message_type},
                           {"control_id", e.control_id},
                           {"ack", e.ack},
                           {"detail", e.detail},
                           {"truth",
                            {{"patient_id", e.truth.patient_id},
                             {"placer_order", e.truth.placer_order},
                             {"accession", e.truth.accession},
                             {"study_instance_uid", e.truth.study_instance_uid}}}};
    out += j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    out += '\n';
  }
  return out;
}

}  // namespace radloop::hl7sim
