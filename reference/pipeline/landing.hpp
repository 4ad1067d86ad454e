// The landing tracker: for each accession, when each stage of its journey happened, and the
// alerts a watcher wants — a report delivered (or still undelivered) too long after sign-off,
// and studies that arrived with no order to land on.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "reference/pipeline/outbox.hpp"

namespace radloop::pipeline {

enum class Stage : std::uint8_t {
  ordered,
  accessioned,
  scheduled,
  started,
  images_received,
  reconciled,
  reported,   // signed off
  delivered,  // ACKed by the EHR
};
inline constexpr std::size_t kStages = 8;
std::string_view to_string(Stage stage);
std::optional<Stage> stage_from(std::string_view name);

struct Landing {
  std::string accession;
  std::array<std::optional<Clock::time_point>, kStages> at;  // the first time each stage was reached
};

struct LandingAlert {
  enum class Kind : std::uint8_t { late_delivery, orphan_study };
  Kind kind = Kind::late_delivery;
  std::string accession;
  std::string detail;
};

class LandingTracker {
 public:
  explicit LandingTracker(std::chrono::minutes delivery_deadline = std::chrono::minutes(30))
      : deadline_(delivery_deadline) {}

  // Keeps the earliest time a stage was reached (a resend does not move it).
  void mark(const std::string& accession, Stage stage, Clock::time_point when);
  [[nodiscard]] std::optional<Landing> find(const std::string& accession) const;
  // Late: delivered more than the deadline after sign-off, or not delivered and the deadline
  // passed. Orphan: images received, never reconciled to an order.
  [[nodiscard]] std::vector<LandingAlert> alerts(Clock::time_point now) const;
  [[nodiscard]] std::size_t orphans() const;
  // {"accession": ..., "stages": [{"stage": "ordered", "at": "2026-03-15T09:30:00Z"}, ...]}
  [[nodiscard]] nlohmann::json timeline(const std::string& accession) const;

 private:
  std::chrono::minutes deadline_;
  mutable std::mutex mutex_;
  std::map<std::string, Landing> landings_;
};

}  // namespace radloop::pipeline
