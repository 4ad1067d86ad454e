// The review queue (see review_queue.hpp).
#include "reference/match/review_queue.hpp"

namespace radloop::match {

std::string_view to_string(ReviewItem::State state) {
  switch (state) {
    case ReviewItem::State::open: return "open";
    case ReviewItem::State::linked: return "linked";
    case ReviewItem::State::rejected: return "rejected";
  }
  return "unknown";
}

std::uint64_t ReviewQueue::open(const std::string& subject, const Decision& decision, Clock::time_point now) {
  std::lock_guard lock(mutex_);
  ReviewItem item;
  item.id = next_id_++;
  item.subject = subject;
  item.reason = decision.reason;
  item.explanation = decision.explanation;
  item.candidates = decision.candidates;
  item.opened = now;
  audit_.push_back({now, "radloop", "open", item.id, std::string(to_string(decision.reason))});
  items_.emplace(item.id, item);
  return item.id;
}

std::string_view to_string(Resolution::Action action) {
  switch (action) {
    case Resolution::Action::link: return "link";
    case Resolution::Action::relink: return "relink";
    case Resolution::Action::reject: return "reject";
  }
  return "unknown";
}

Result<ReviewItem::State> resolve_state(ReviewItem::State current, Resolution::Action action,
                                        const std::string& where) {
  using State = ReviewItem::State;
  const State needs = action == Resolution::Action::relink ? State::linked : State::open;
  if (current != needs) {
    return Error{Errc::review_conflict, where,
                 "it is " + std::string(to_string(current)) + ", and " + std::string(to_string(action)) + " needs it " +
                     std::string(to_string(needs))};
  }
  return action == Resolution::Action::reject ? State::rejected : State::linked;
}

Result<ReviewItem> ReviewQueue::change(std::uint64_t id, Resolution::Action action, const std::string& order_id,
                                       const std::string& detail, const std::string& actor, Clock::time_point now) {
  std::lock_guard lock(mutex_);
  const auto where = "review " + std::to_string(id);
  const auto found = items_.find(id);
  if (found == items_.end()) return Error{Errc::review_not_found, where, "no such item"};
  ReviewItem& item = found->second;
  auto next = resolve_state(item.state, action, where);
  if (!next) return next.error();
  item.state = *next;
  item.order_id = order_id;
  audit_.push_back({now, actor, std::string(to_string(action)), id, detail});
  return item;
}

Result<ReviewItem> ReviewQueue::link(std::uint64_t id, const std::string& order_id, const std::string& actor,
                                     Clock::time_point now) {
  return change(id, Resolution::Action::link, order_id, "to order " + order_id, actor, now);
}

Result<ReviewItem> ReviewQueue::relink(std::uint64_t id, const std::string& order_id, const std::string& actor,
                                       Clock::time_point now) {
  std::string previous;
  if (auto item = find(id); item.ok()) previous = item->order_id;
  return change(id, Resolution::Action::relink, order_id, "from order " + previous + " to order " + order_id, actor,
                now);
}

Result<ReviewItem> ReviewQueue::reject(std::uint64_t id, const std::string& why, const std::string& actor,
                                       Clock::time_point now) {
  return change(id, Resolution::Action::reject, "", why, actor, now);
}

std::vector<ReviewItem> ReviewQueue::open_items() const {
  std::lock_guard lock(mutex_);
  std::vector<ReviewItem> out;
  for (const auto& [id, item] : items_) {
    if (item.state == ReviewItem::State::open) out.push_back(item);
  }
  return out;
}

Result<ReviewItem> ReviewQueue::find(std::uint64_t id) const {
  std::lock_guard lock(mutex_);
  const auto found = items_.find(id);
  if (found == items_.end()) return Error{Errc::review_not_found, "review " + std::to_string(id), "no such item"};
  return found->second;
}

std::vector<AuditEntry> ReviewQueue::audit() const {
  std::lock_guard lock(mutex_);
  return audit_;
}

}  // namespace radloop::match
