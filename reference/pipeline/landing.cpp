// The landing tracker (see landing.hpp).
#include "reference/pipeline/landing.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>

namespace radloop::pipeline {
namespace {

std::size_t index_of(Stage stage) { return static_cast<std::size_t>(stage); }

std::string utc(Clock::time_point t) { return fmt::format("{:%Y-%m-%dT%H:%M:%S}Z", fmt::gmtime(Clock::to_time_t(t))); }

bool is_orphan(const Landing& l) {
  return l.at[index_of(Stage::images_received)] && !l.at[index_of(Stage::reconciled)] &&
         !l.at[index_of(Stage::ordered)];
}

}  // namespace

std::string_view to_string(Stage stage) {
  switch (stage) {
    case Stage::ordered: return "ordered";
    case Stage::accessioned: return "accessioned";
    case Stage::scheduled: return "scheduled";
    case Stage::started: return "started";
    case Stage::images_received: return "images_received";
    case Stage::reconciled: return "reconciled";
    case Stage::reported: return "reported";
    case Stage::delivered: return "delivered";
  }
  return "unknown";
}

std::optional<Stage> stage_from(std::string_view name) {
  for (std::size_t i = 0; i < kStages; ++i) {
    const auto stage = static_cast<Stage>(i);
    if (to_string(stage) == name) return stage;
  }
  return std::nullopt;
}

void LandingTracker::mark(const std::string& accession, Stage stage, Clock::time_point when) {
  std::lock_guard lock(mutex_);
  auto& landing = landings_[accession];
  landing.accession = accession;
  auto& slot = landing.at[index_of(stage)];
  if (!slot || when < *slot) slot = when;
}

std::optional<Landing> LandingTracker::find(const std::string& accession) const {
  std::lock_guard lock(mutex_);
  const auto found = landings_.find(accession);
  if (found == landings_.end()) return std::nullopt;
  return found->second;
}

std::vector<LandingAlert> LandingTracker::alerts(Clock::time_point now) const {
  std::lock_guard lock(mutex_);
  std::vector<LandingAlert> out;
  for (const auto& [accession, l] : landings_) {
    const auto& signed_off = l.at[index_of(Stage::reported)];
    const auto& delivered = l.at[index_of(Stage::delivered)];
    if (signed_off) {
      const auto end = delivered ? *delivered : now;
      const auto waited = std::chrono::duration_cast<std::chrono::minutes>(end - *signed_off);
      if (end - *signed_off > deadline_) {
        out.push_back({LandingAlert::Kind::late_delivery, accession,
                       delivered ? fmt::format("report delivered {} min after sign-off (limit {} min)", waited.count(),
                                               deadline_.count())
                                 : fmt::format("report signed off {} min ago and not delivered (limit {} min)",
                                               waited.count(), deadline_.count())});
      }
    }
    if (is_orphan(l)) {
      out.push_back({LandingAlert::Kind::orphan_study, accession, "images received with no order to land on"});
    }
  }
  return out;
}

std::size_t LandingTracker::orphans() const {
  std::lock_guard lock(mutex_);
  std::size_t n = 0;
  for (const auto& [accession, l] : landings_) n += is_orphan(l) ? 1 : 0;
  return n;
}

nlohmann::json LandingTracker::timeline(const std::string& accession) const {
  nlohmann::json out{{"accession", accession}, {"stages", nlohmann::json::array()}};
  const auto landing = find(accession);
  if (!landing) return out;
  for (std::size_t i = 0; i < kStages; ++i) {
    if (const auto& at = landing->at[i]) {
      out["stages"].push_back({{"stage", to_string(static_cast<Stage>(i))}, {"at", utc(*at)}});
    }
  }
  return out;
}

}  // namespace radloop::pipeline
