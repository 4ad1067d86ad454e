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

Result<ReviewItem> ReviewQueue::change(std::uint64_t id, ReviewItem::State from, ReviewItem::State to,
                                       const std::string& order_id, const std::string& action,
                                       const std::string& detail, const std::string& actor, Clock::time_point now) {
  std::lock_guard lock(mutex_);
  const auto found = items_.find(id);
  if (found == items_.end()) return Error{Errc::review_not_found, "review " + std::to_string(id), "no such item"};
  ReviewItem& item = found->second;
  if (item.state != from) {
    return Error{Errc::review_conflict, "review " + std::to_string(id),
                 "it is " + std::string(to_string(item.state)) + ", and " + action + " needs it " +
                     std::string(to_string(from))};
  }
  item.state = to;
  item.order_id = order_id;
  audit_.push_back({now, actor, action, id, detail});
  return item;
}

Result<ReviewItem> ReviewQueue::link(std::uint64_t id, const std::string& order_id, const std::string& actor,
                                     Clock::time_point now) {
  return change(id, ReviewItem::State::open, ReviewItem::State::linked, order_id, "link", "to order " + order_id, actor,
                now);
}

Result<ReviewItem> ReviewQueue::relink(std::uint64_t id, const std::string& order_id, const std::string& actor,
                                       Clock::time_point now) {
  std::string previous;
  if (auto item = find(id); item.ok()) previous = item->order_id;
  return change(id, ReviewItem::State::linked, ReviewItem::State::linked, order_id, "relink",
                "from order " + previous + " to order " + order_id, actor, now);
}

Result<ReviewItem> ReviewQueue::reject(std::uint64_t id, const std::string& why, const std::string& actor,
                                       Clock::time_point now) {
  return change(id, ReviewItem::State::open, ReviewItem::State::rejected, "", "reject", why, actor, now);
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
