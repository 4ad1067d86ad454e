// Names of the record states, as the store and the portal write them.
#include "reference/store/records.hpp"

namespace radloop::store {

std::string_view to_string(StudyRecord::State state) {
  switch (state) {
    case StudyRecord::State::pending: return "pending";
    case StudyRecord::State::review: return "review";
    case StudyRecord::State::linked: return "linked";
    case StudyRecord::State::rejected: return "rejected";
  }
  return "pending";
}

std::optional<StudyRecord::State> study_state_from(std::string_view text) {
  for (auto s : {StudyRecord::State::pending, StudyRecord::State::review, StudyRecord::State::linked,
                 StudyRecord::State::rejected}) {
    if (to_string(s) == text) return s;
  }
  return std::nullopt;
}

std::string_view to_string(ReviewRecord::State state) {
  switch (state) {
    case ReviewRecord::State::open: return "open";
    case ReviewRecord::State::linked: return "linked";
    case ReviewRecord::State::rejected: return "rejected";
  }
  return "open";
}

std::optional<ReviewRecord::State> review_state_from(std::string_view text) {
  for (auto s : {ReviewRecord::State::open, ReviewRecord::State::linked, ReviewRecord::State::rejected}) {
    if (to_string(s) == text) return s;
  }
  return std::nullopt;
}

std::string_view to_string(OutboxRecord::State state) {
  switch (state) {
    case OutboxRecord::State::queued: return "queued";
    case OutboxRecord::State::delivered: return "delivered";
    case OutboxRecord::State::dead: return "dead";
  }
  return "queued";
}

}  // namespace radloop::store
