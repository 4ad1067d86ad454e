// The HL7 simulators' event log (see events.hpp).
#include "simulators/hl7peer/events.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <chrono>

namespace radloop::hl7sim {
namespace {

std::string now_utc() {
  const auto now = std::chrono::system_clock::now();
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  return fmt::format("{:%Y-%m-%dT%H:%M:%S}.{:03}Z", fmt::gmtime(std::chrono::system_clock::to_time_t(now)), ms);
}

}  // namespace

void EventLog::record(Hl7Event event) {
  std::lock_guard lock(mutex_);
  event.sequence = events_.size() + 1;
  if (event.time.empty()) event.time = now_utc();
  events_.push_back(std::move(event));
}

std::vector<Hl7Event> EventLog::events() const {
  std::lock_guard lock(mutex_);
  return events_;
}

std::vector<Hl7Event> EventLog::of(const std::string& action) const {
  std::lock_guard lock(mutex_);
  std::vector<Hl7Event> out;
  for (const auto& e : events_) {
    if (e.action == action) out.push_back(e);
  }
  return out;
}

std::string EventLog::json_lines() const {
  std::lock_guard lock(mutex_);
  std::string out;
  for (const auto& e : events_) {
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
