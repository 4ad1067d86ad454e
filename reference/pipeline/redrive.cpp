// Sending dead letters again (Pipeline::retry_outbound): a person decides the receiver can take
// them now. Each keeps its control ID, so a receiver that did take it before sees a resend.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "reference/pipeline/pipeline.hpp"

namespace radloop::pipeline {

Result<std::vector<store::OutboxRecord>> Pipeline::retry_outbound(std::optional<std::int64_t> sequence,
                                                                  const std::string& destination,
                                                                  const std::string& actor) {
  std::vector<store::OutboxRecord> requeued;
  auto kept = store_->write([&](store::Tx& tx) -> Result<void> {
    requeued.clear();
    store::OutboxFilter filter;
    filter.destination = destination;
    filter.limit = 100'000;
    if (sequence) {
      filter.after_sequence = *sequence - 1;
      filter.limit = 1;
    } else {
      filter.state = store::OutboxRecord::State::dead;
    }
    auto found = tx.outbound(filter);
    if (!found) return found.error();
    if (sequence) {
      const auto where = fmt::format("outbox {}", *sequence);
      if (found->empty() || found->front().sequence != *sequence)
        return Error{Errc::not_found, where, "no outbound message has this sequence"};
      if (found->front().state != store::OutboxRecord::State::dead)
        return Error{Errc::outbox_not_dead, where, fmt::format("it is {}", to_string(found->front().state))};
    }
    const auto now = FlowContext::now();
    for (auto& row : *found) {
      const auto before = row.last_error;
      row.state = store::OutboxRecord::State::queued;
      row.next_attempt = now;
      row.attempts = 0;  // a fresh set of tries; the delivery counts its age from now too
      row.last_error = fmt::format("sent again by {}; before: {}", actor, before);
      if (auto put = tx.put_outbound(row); !put) return put;
      if (auto audited = tx.add_audit({now, actor, "retry", fmt::format("outbox {}", row.sequence),
                                       fmt::format("dead letter {} to {} queued again (it had failed: {})",
                                                   row.control_id, row.destination, before)});
          !audited) {
        return audited;
      }
      requeued.push_back(row);
    }
    return {};
  });
  if (!kept) return kept.error();
  for (auto& delivery : deliveries_) {
    std::vector<store::OutboxRecord> mine;
    for (const auto& row : requeued) {
      if (row.destination == delivery->name()) mine.push_back(row);
    }
    if (!mine.empty()) delivery->requeue(mine);
  }
  if (!requeued.empty()) spdlog::info("pipeline: {} sent {} dead letter(s) again", actor, requeued.size());
  return requeued;
}

}  // namespace radloop::pipeline
