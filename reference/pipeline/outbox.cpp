// The outbox's delivery rules (see outbox.hpp).
#include "reference/pipeline/outbox.hpp"

#include <algorithm>
#include <cmath>

namespace radloop::pipeline {

std::uint64_t Outbox::enqueue(const std::string& destination, const std::string& control_id, std::string payload,
                              Clock::time_point now) {
  OutboundMessage m;
  m.sequence = next_sequence_++;
  m.destination = destination;
  m.control_id = control_id;
  m.payload = std::move(payload);
  m.queued_at = now;
  m.next_attempt = now;
  queues_[destination].push_back(std::move(m));
  return next_sequence_ - 1;
}

void Outbox::restore(OutboundMessage message) {
  next_sequence_ = std::max(next_sequence_, message.sequence + 1);
  queues_[message.destination].push_back(std::move(message));
}

void Outbox::requeue(OutboundMessage message) {
  auto& queue = queues_[message.destination];
  const auto seq = message.sequence;
  if (std::any_of(queue.begin(), queue.end(), [&](const OutboundMessage& m) { return m.sequence == seq; })) return;
  const auto behind =
      std::find_if(queue.begin(), queue.end(), [&](const OutboundMessage& m) { return m.sequence > seq; });
  message.state = OutboundMessage::State::queued;
  message.refusals = 0;
  queue.insert(behind, std::move(message));
}

std::vector<OutboundMessage> Outbox::due(Clock::time_point now) const {
  std::vector<OutboundMessage> out;
  for (const auto& [destination, queue] : queues_) {
    // Only the head: what is behind it waits, so the receiver sees them in order.
    if (!queue.empty() && queue.front().next_attempt <= now) out.push_back(queue.front());
  }
  std::sort(out.begin(), out.end(),
            [](const OutboundMessage& a, const OutboundMessage& b) { return a.sequence < b.sequence; });
  return out;
}

OutboundMessage* Outbox::head_with(std::uint64_t sequence) {
  for (auto& [destination, queue] : queues_) {
    if (!queue.empty() && queue.front().sequence == sequence) return &queue.front();
  }
  return nullptr;
}

void Outbox::delivered(std::uint64_t sequence) {
  if (OutboundMessage* m = head_with(sequence)) queues_[m->destination].pop_front();
}

std::chrono::milliseconds Outbox::delay_before(unsigned attempt) const {
  const double factor = std::pow(policy_.backoff, attempt > 0 ? attempt - 1 : 0);
  const double millis = static_cast<double>(policy_.first_retry.count()) * factor;
  const double capped = std::min(millis, static_cast<double>(policy_.max_delay.count()));
  return std::chrono::milliseconds(static_cast<std::int64_t>(capped));
}

std::optional<OutboxAlert> Outbox::failed(std::uint64_t sequence, const std::string& error, Clock::time_point now,
                                          bool refused) {
  OutboundMessage* m = head_with(sequence);
  if (m == nullptr) return std::nullopt;
  ++m->attempts;
  if (refused) ++m->refusals;
  m->last_error = error;
  const bool too_many = policy_.max_attempts > 0 && m->attempts >= policy_.max_attempts;
  const bool refused_enough = refused && m->refusals >= policy_.max_refusals;
  const bool too_old = now - m->queued_at >= policy_.max_age;
  if (!too_many && !refused_enough && !too_old) {
    m->next_attempt = now + delay_before(m->attempts);
    return std::nullopt;
  }
  m->state = OutboundMessage::State::dead;
  std::string reason = too_many         ? "gave up after "
                       : refused_enough ? "refused by the receiver, given up after "
                                        : "older than the maximum age after ";
  reason += std::to_string(m->attempts);
  reason += m->attempts == 1 ? " attempt; last error: " : " attempts; last error: ";
  reason += error;
  OutboxAlert alert{m->sequence, m->destination, m->control_id, std::move(reason)};
  dead_.push_back(*m);
  queues_[m->destination].pop_front();  // the next message for this destination may go now
  return alert;
}

std::size_t Outbox::queued(const std::string& destination) const {
  const auto found = queues_.find(destination);
  return found == queues_.end() ? 0 : found->second.size();
}

}  // namespace radloop::pipeline
