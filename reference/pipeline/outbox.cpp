// The outbox's delivery rules (see outbox.hpp).
#include "reference/pipeline/outbox.hpp"

#include <algorithm>
#include <cmath>

#include "reference/hl7/parser.hpp"
#include "reference/hl7/segments.hpp"

namespace radloop::pipeline {

std::string ordering_key(std::string_view accession, std::string_view er7) {
  if (!accession.empty()) return "order " + std::string(accession);
  const auto message = hl7::parse(er7);
  if (!message) return {};
  const auto pid = message->find("PID");
  if (!pid) return {};
  const auto ids = hl7::Pid(*message, *pid).identifiers();
  if (ids.empty()) return {};
  // The unit separator cannot occur in a decoded HL7 value sent by us.
  return "patient " + ids.front().id + '\x1f' + ids.front().authority + '\x1f' + ids.front().authority_universal_id;
}

std::uint64_t Outbox::enqueue(const std::string& destination, const std::string& control_id, std::string payload,
                              Clock::time_point now, std::string key) {
  OutboundMessage m;
  m.sequence = next_sequence_++;
  m.destination = destination;
  m.key = std::move(key);
  m.control_id = control_id;
  m.payload = std::move(payload);
  m.queued_at = now;
  m.next_attempt = now;
  queues_[{destination, m.key}].push_back(std::move(m));
  return next_sequence_ - 1;
}

void Outbox::restore(OutboundMessage message) {
  next_sequence_ = std::max(next_sequence_, message.sequence + 1);
  requeue_in_place(std::move(message), false);
}

void Outbox::requeue(OutboundMessage message) { requeue_in_place(std::move(message), true); }

void Outbox::requeue_in_place(OutboundMessage message, bool fresh) {
  auto& queue = queues_[{message.destination, message.key}];
  const auto seq = message.sequence;
  if (std::any_of(queue.begin(), queue.end(), [&](const OutboundMessage& m) { return m.sequence == seq; })) return;
  const auto behind =
      std::find_if(queue.begin(), queue.end(), [&](const OutboundMessage& m) { return m.sequence > seq; });
  if (fresh) {
    message.state = OutboundMessage::State::queued;
    message.refusals = 0;
  }
  queue.insert(behind, std::move(message));
}

std::vector<OutboundMessage> Outbox::due(Clock::time_point now) const {
  std::vector<OutboundMessage> out;
  for (const auto& [where, queue] : queues_) {
    if (const auto held = held_until_.find(where.first); held != held_until_.end() && held->second > now) continue;
    // Only the head: what is behind it waits, so the receiver sees one patient's messages in order.
    if (queue.front().next_attempt <= now) out.push_back(queue.front());
  }
  std::sort(out.begin(), out.end(),
            [](const OutboundMessage& a, const OutboundMessage& b) { return a.sequence < b.sequence; });
  return out;
}

std::deque<OutboundMessage>* Outbox::queue_with_head(std::uint64_t sequence) {
  for (auto& [where, queue] : queues_) {
    if (queue.front().sequence == sequence) return &queue;
  }
  return nullptr;
}

void Outbox::pop(std::deque<OutboundMessage>& queue, const OutboundMessage& head) {
  const QueueKey where{head.destination, head.key};
  queue.pop_front();
  if (queue.empty()) queues_.erase(where);
}

void Outbox::delivered(std::uint64_t sequence) {
  auto* queue = queue_with_head(sequence);
  if (queue == nullptr) return;
  // An answer from the receiver: it is up again, whatever an earlier attempt found.
  held_until_.erase(queue->front().destination);
  pop(*queue, queue->front());
}

std::chrono::milliseconds Outbox::delay_before(unsigned attempt) const {
  const double factor = std::pow(policy_.backoff, attempt > 0 ? attempt - 1 : 0);
  const double millis = static_cast<double>(policy_.first_retry.count()) * factor;
  const double capped = std::min(millis, static_cast<double>(policy_.max_delay.count()));
  return std::chrono::milliseconds(static_cast<std::int64_t>(capped));
}

std::optional<OutboxAlert> Outbox::failed(std::uint64_t sequence, const std::string& error, Clock::time_point now,
                                          Failure why) {
  auto* queue = queue_with_head(sequence);
  if (queue == nullptr) return std::nullopt;
  OutboundMessage* m = &queue->front();
  ++m->attempts;
  if (why == Failure::refused) ++m->refusals;
  m->last_error = error;
  const bool too_many = policy_.max_attempts > 0 && m->attempts >= policy_.max_attempts;
  const bool refused_enough = why == Failure::refused && m->refusals >= policy_.max_refusals;
  const bool too_old = now - m->queued_at >= policy_.max_age;
  if (why == Failure::unreachable) {
    // Nothing else would get through either: the destination waits as this message does.
    held_until_[m->destination] = now + delay_before(m->attempts);
  } else {
    held_until_.erase(m->destination);  // it answered
  }
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
  pop(*queue, *m);  // the next message of this patient may go now
  return alert;
}

std::size_t Outbox::queued(const std::string& destination) const {
  std::size_t count = 0;
  for (auto it = queues_.lower_bound({destination, ""}); it != queues_.end() && it->first.first == destination; ++it) {
    count += it->second.size();
  }
  return count;
}

}  // namespace radloop::pipeline
