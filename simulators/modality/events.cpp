// The modality's event log (see the header).
#include "simulators/modality/events.hpp"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

namespace radloop::modality {

std::string EventLog::json_lines() const {
  std::string out;
  for (const auto& e : events()) {
    nlohmann::json j{{"seq", e.sequence},
                     {"time", e.time},
                     {"action", e.action},
                     {"detail", e.detail},
                     {"truth",
                      {{"patient_id", e.truth.patient_id},
                       {"accession_number", e.truth.accession_number},
                       {"study_instance_uid", e.truth.study_instance_uid}}}};
    if (e.status) j["status"] = fmt::format("{:#06x}", *e.status);
    if (!e.sop_instance_uid.empty()) j["sop_instance_uid"] = e.sop_instance_uid;
    if (!e.sent_patient_id.empty() || !e.sent_accession_number.empty()) {
      j["sent"] = {{"patient_id", e.sent_patient_id}, {"accession_number", e.sent_accession_number}};
    }
    out += j.dump() + "\n";
  }
  return out;
}

}  // namespace radloop::modality
