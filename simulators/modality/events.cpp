// The modality's event log (see the header).
#include "simulators/modality/events.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <chrono>
#include <nlohmann/json.hpp>

namespace radloop::modality {
namespace {

std::string now_utc() {
  const auto now = std::chrono::system_clock::now();
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  return fmt::format("{:%Y-%m-%dT%H:%M:%S}.{:03}Z", fmt::gmtime(std::chrono::system_clock::to_time_t(now)), ms);
}

}  // namespace

void EventLog::record(ModalityEvent event) {
  std::lock_guard lock(mutex_);
  event.sequence = events_.size() + 1;
  if (event.time.empty()) event.time = now_utc();
  events_.push_back(std::move(event));
}

std::vector<ModalityEvent> EventLog::events() const {
  std::lock_guard lock(mutex_);
  return events_;
}

std::vector<ModalityEvent> EventLog::of(const std::string& action) const {
  std::lock_guard lock(mutex_);
  std::vector<ModalityEvent> out;
  for (const auto& e : events_) {
    if (e.action == action) out.push_back(e);
  }
  return out;
}

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
