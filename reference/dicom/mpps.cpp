// The MPPS state rules (see the header); statuses from PS3.4 F.7.2 and PS3.7 Annex C.
#include "reference/dicom/mpps.hpp"

#include <numeric>

namespace radloop::dicom {
namespace {

constexpr std::uint16_t kInvalidAttributeValue = 0x0106;
constexpr std::uint16_t kProcessingFailure = 0x0110;
constexpr std::uint16_t kDuplicateSopInstance = 0x0111;
constexpr std::uint16_t kNoSuchSopInstance = 0x0112;
constexpr std::uint16_t kMissingAttributeValue = 0x0121;
// PS3.4 F.7.2.2: "Performed Procedure Step Object may no longer be updated", Error ID A710.
constexpr std::uint16_t kNoLongerUpdatable = 0xA710;

MppsOutcome failure(std::uint16_t status, std::string comment, std::optional<PerformedProcedureStep> step = {});

// The sink could not keep the change: nothing changed, and the modality is told to try again.
MppsOutcome not_kept(const Error& why, std::optional<PerformedProcedureStep> step = {}) {
  return failure(kProcessingFailure, "the step could not be kept: " + why.message(), std::move(step));
}

MppsOutcome failure(std::uint16_t status, std::string comment, std::optional<PerformedProcedureStep> step) {
  MppsOutcome outcome;
  outcome.status = status;
  outcome.error_comment = std::move(comment);
  outcome.step = std::move(step);
  return outcome;
}

}  // namespace

std::size_t PerformedProcedureStep::instance_count() const {
  return std::accumulate(series.begin(), series.end(), std::size_t{0},
                         [](std::size_t n, const PerformedSeries& s) { return n + s.instances.size(); });
}

std::string_view to_string(PerformedProcedureStep::Status status) {
  switch (status) {
    case PerformedProcedureStep::Status::in_progress: return "IN PROGRESS";
    case PerformedProcedureStep::Status::completed: return "COMPLETED";
    case PerformedProcedureStep::Status::discontinued: return "DISCONTINUED";
  }
  return "UNKNOWN";
}

std::optional<PerformedProcedureStep::Status> status_from_string(std::string_view text) {
  for (auto s : {PerformedProcedureStep::Status::in_progress, PerformedProcedureStep::Status::completed,
                 PerformedProcedureStep::Status::discontinued}) {
    if (text == to_string(s)) return s;
  }
  return std::nullopt;
}

MppsRegistry::MppsRegistry(const std::vector<PerformedProcedureStep>& known) {
  for (const auto& step : known) steps_.insert_or_assign(step.sop_instance_uid, step);
}

MppsOutcome MppsRegistry::create(PerformedProcedureStep step, std::string_view requested_status, const MppsSink& keep) {
  if (requested_status != to_string(PerformedProcedureStep::Status::in_progress)) {
    return failure(kInvalidAttributeValue,
                   "Performed Procedure Step Status (0040,0252) in an N-CREATE must be "
                   "IN PROGRESS, not \"" +
                       std::string(requested_status) + "\"");
  }
  step.status = PerformedProcedureStep::Status::in_progress;
  const auto& uid = step.sop_instance_uid;
  std::unique_lock lock(mutex_);
  if (const auto found = steps_.find(uid); found != steps_.end()) {
    return failure(kDuplicateSopInstance, "an MPPS with SOP Instance UID " + uid + " already exists", found->second);
  }
  if (!changing_.insert(uid).second) {
    return failure(kDuplicateSopInstance, "an MPPS with SOP Instance UID " + uid + " is being created");
  }
  // Kept without the lock: a store's write takes a flush, and other steps need not wait for it.
  lock.unlock();
  auto kept = keep ? keep(step) : Result<void>{};
  lock.lock();
  changing_.erase(uid);
  if (!kept) return not_kept(kept.error());
  MppsOutcome outcome;
  outcome.step = steps_.emplace(uid, step).first->second;
  return outcome;
}

MppsOutcome MppsRegistry::set(const std::string& sop_instance_uid, const MppsModification& modification,
                              const MppsSink& keep) {
  std::unique_lock lock(mutex_);
  const auto found = steps_.find(sop_instance_uid);
  if (found == steps_.end()) return failure(kNoSuchSopInstance, "no MPPS with SOP Instance UID " + sop_instance_uid);
  PerformedProcedureStep& current = found->second;
  if (current.status != PerformedProcedureStep::Status::in_progress) {
    auto outcome = failure(kProcessingFailure,
                           "Performed Procedure Step Object may no longer be updated (it is " +
                               std::string(to_string(current.status)) + ")",
                           current);
    outcome.error_id = kNoLongerUpdatable;
    return outcome;
  }
  if (!modification.not_allowed.empty()) {
    std::string names;
    for (const auto& n : modification.not_allowed) names += (names.empty() ? "" : ", ") + n;
    return failure(kInvalidAttributeValue, "N-SET may not change " + names, current);
  }
  PerformedProcedureStep next = current;
  if (modification.status) {
    const auto status = status_from_string(*modification.status);
    if (!status) {
      return failure(kInvalidAttributeValue,
                     "Performed Procedure Step Status \"" + *modification.status + "\" is not a defined term", current);
    }
    next.status = *status;
  }
  if (modification.end_date) next.end_date = *modification.end_date;
  if (modification.end_time) next.end_time = *modification.end_time;
  if (modification.discontinuation_reason) next.discontinuation_reason = *modification.discontinuation_reason;
  if (modification.series) next.series = *modification.series;
  // A final step must say when it ended (Table F.7.2-1: required once COMPLETED or DISCONTINUED).
  if (next.status != PerformedProcedureStep::Status::in_progress && (next.end_date.empty() || next.end_time.empty())) {
    return failure(kMissingAttributeValue,
                   "a step set to " + std::string(to_string(next.status)) +
                       " needs Performed Procedure Step End Date (0040,0250) and End Time (0040,0251)",
                   current);
  }
  if (!changing_.insert(sop_instance_uid).second) {
    return failure(kProcessingFailure, "another request is changing this step; send it again", current);
  }
  lock.unlock();
  auto kept = keep ? keep(next) : Result<void>{};
  lock.lock();
  changing_.erase(sop_instance_uid);
  auto& stored = steps_.at(sop_instance_uid);  // steps are never removed, so it is still there
  if (!kept) return not_kept(kept.error(), stored);
  MppsOutcome outcome;
  outcome.previous = stored.status;
  stored = std::move(next);
  outcome.step = stored;
  return outcome;
}

std::optional<PerformedProcedureStep> MppsRegistry::find(const std::string& sop_instance_uid) const {
  std::lock_guard lock(mutex_);
  const auto found = steps_.find(sop_instance_uid);
  if (found == steps_.end()) return std::nullopt;
  return found->second;
}

std::vector<PerformedProcedureStep> MppsRegistry::all() const {
  std::lock_guard lock(mutex_);
  std::vector<PerformedProcedureStep> out;
  out.reserve(steps_.size());
  for (const auto& [uid, step] : steps_) out.push_back(step);
  return out;
}

}  // namespace radloop::dicom
