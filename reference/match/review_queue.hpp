// The review queue: what the rules could not decide, each item with its reason, evidence and
// ranked candidates, resolved by a person (link, relink, reject). Every resolution is audited.
// In memory here; the store keeps the same records durably.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "reference/core/result.hpp"
#include "reference/match/rules.hpp"

namespace radloop::match {

using Clock = std::chrono::system_clock;

struct ReviewItem {
  enum class State : std::uint8_t { open, linked, rejected };
  std::uint64_t id = 0;
  std::string subject;  // what waits: a Study Instance UID, a report's ID
  Reason reason = Reason::no_order_yet;
  std::string explanation;
  std::vector<Candidate> candidates;
  State state = State::open;
  std::string order_id;  // when linked
  Clock::time_point opened;
};
std::string_view to_string(ReviewItem::State state);

// What a person can do with an item: link an open item, relink a linked one to another order
// (a correction), or reject an open one (a test image, a study for another site).
struct Resolution {
  enum class Action : std::uint8_t { link, relink, reject };
};
std::string_view to_string(Resolution::Action action);
// The state an item in `current` moves to; review_conflict (at `where`) when the action does not
// apply to an item in that state.
Result<ReviewItem::State> resolve_state(ReviewItem::State current, Resolution::Action action, const std::string& where);

struct AuditEntry {
  Clock::time_point at;
  std::string actor;
  std::string action;  // open, link, relink, reject
  std::uint64_t item = 0;
  std::string detail;
};

class ReviewQueue {
 public:
  // A decision that is a review becomes an open item; its ID.
  std::uint64_t open(const std::string& subject, const Decision& decision, Clock::time_point now);
  // review_not_found for an unknown ID; review_conflict when the item is not open.
  Result<ReviewItem> link(std::uint64_t id, const std::string& order_id, const std::string& actor,
                          Clock::time_point now);
  // A linked item to another order (a correction); review_conflict unless it is linked.
  Result<ReviewItem> relink(std::uint64_t id, const std::string& order_id, const std::string& actor,
                            Clock::time_point now);
  // Not any of the candidates (a test image, a study for another site); review_conflict unless open.
  Result<ReviewItem> reject(std::uint64_t id, const std::string& why, const std::string& actor, Clock::time_point now);

  [[nodiscard]] std::vector<ReviewItem> open_items() const;
  [[nodiscard]] Result<ReviewItem> find(std::uint64_t id) const;
  [[nodiscard]] std::vector<AuditEntry> audit() const;

 private:
  Result<ReviewItem> change(std::uint64_t id, Resolution::Action action, const std::string& order_id,
                            const std::string& detail, const std::string& actor, Clock::time_point now);

  mutable std::mutex mutex_;
  std::uint64_t next_id_ = 1;
  std::map<std::uint64_t, ReviewItem> items_;
  std::vector<AuditEntry> audit_;
};

}  // namespace radloop::match
