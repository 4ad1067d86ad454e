// The event log every simulator keeps: its events in order, each numbered and timed as it is
// recorded. Thread-safe: a simulator records from its network threads.
#pragma once

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <chrono>
#include <mutex>
#include <string>
#include <vector>

namespace radloop::sim {

// UTC, ISO 8601 with milliseconds.
inline std::string now_utc() {
  const auto now = std::chrono::system_clock::now();
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  return fmt::format("{:%Y-%m-%dT%H:%M:%S}.{:03}Z", fmt::gmtime(std::chrono::system_clock::to_time_t(now)), ms);
}

// Event has `sequence` (set here, from 1), `time` (set here when empty) and `action`.
template <typename Event>
class EventLog {
 public:
  void record(Event event) {
    std::lock_guard lock(mutex_);
    event.sequence = events_.size() + 1;
    if (event.time.empty()) event.time = now_utc();
    events_.push_back(std::move(event));
  }
  [[nodiscard]] std::vector<Event> events() const {
    std::lock_guard lock(mutex_);
    return events_;
  }
  // The events with this action.
  [[nodiscard]] std::vector<Event> of(const std::string& action) const {
    std::lock_guard lock(mutex_);
    std::vector<Event> out;
    for (const auto& e : events_) {
      if (e.action == action) out.push_back(e);
    }
    return out;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<Event> events_;
};

}  // namespace radloop::sim
