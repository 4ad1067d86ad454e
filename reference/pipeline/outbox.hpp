// The delivery rules of the outbox, apart from where it is kept. Per destination and ordering key
// (the order: its accession), messages go out in the order they were queued; a failure is retried with
// backoff under the same control ID. What a failure holds depends on whose it is:
//  - the receiver cannot be reached, does not answer, answers with no ACK or with another
//    message's: the whole
//    destination waits for this message's retry (everything else would fail the same way);
//  - the receiver answers AE/CE (an error on its side, often passing) or AR/CR (it rejects this
//    message): only this order's later messages wait; other orders' go on.
// Either is retried for as long as an interface engine's downtime window (max_age, hours), except
// that a message the receiver rejects would be rejected again: after max_refusals of those it is
// dead-lettered at once with an alert, and the next one behind it may go. The store keeps the
// same fields durably.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace radloop::pipeline {

using Clock = std::chrono::system_clock;

struct OutboxPolicy {
  std::chrono::milliseconds first_retry{1000};
  double backoff = 2.0;  // each retry waits this much longer than the last
  std::chrono::milliseconds max_delay{60'000};
  unsigned max_attempts = 0;       // dead-lettered after this many failed attempts; 0: no limit
  std::chrono::hours max_age{24};  // or when the message is older than this
  unsigned max_refusals = 3;       // or after this many AR/CR answers
  // A defect, never on in a real configuration (see sabotage.hpp): each retry goes out under a
  // new control ID, so the receiver cannot tell it from a new message.
  bool fresh_control_id_on_retry = false;
};

struct OutboundMessage {
  enum class State : std::uint8_t { queued, delivered, dead };
  std::uint64_t sequence = 0;  // the order of queueing, across destinations
  std::string destination;
  // Messages with the same key go in order; with different keys, one may pass another that waits
  // on its retry (ordering_key()).
  std::string key;
  std::string control_id;  // kept on every retry: the receiver can tell a retry from a new message
  std::string payload;
  Clock::time_point queued_at;
  Clock::time_point next_attempt;
  unsigned attempts = 0;
  unsigned refusals = 0;  // attempts answered with a refusal since it was loaded (not kept in the store)
  State state = State::queued;
  std::string last_error;
};

// What the outbox wants known: a dead letter, named with its destination and the last error.
struct OutboxAlert {
  std::uint64_t sequence = 0;
  std::string destination;
  std::string control_id;
  std::string reason;
};

// Why an attempt failed, which decides what waits for its retry (see the top of this file).
enum class Failure : std::uint8_t {
  unreachable,  // no connection, no answer, no ACK, or an ACK for another message: the destination waits
  error,        // AE/CE: this key waits
  refused,      // AR/CR: this key waits; dead-lettered after max_refusals
};

// The ordering key of an outbound message: the order it is about (its accession, which neither a
// merge of patients nor a receiver's formatting changes), else its patient (PID-3's first
// identifier with its assigning authority), else "".
std::string ordering_key(std::string_view accession, std::string_view er7);

class Outbox {
 public:
  explicit Outbox(OutboxPolicy policy = {}) : policy_(policy) {}

  std::uint64_t enqueue(const std::string& destination, const std::string& control_id, std::string payload,
                        Clock::time_point now, std::string key = {});
  // Puts back a message kept elsewhere (the store) with its sequence, attempts and next attempt;
  // messages must be restored in sequence order. One already queued (re-driven in the meantime)
  // is not queued twice.
  void restore(OutboundMessage message);
  // Puts back a dead letter a person sent again, in its place by sequence among what is still
  // queued for its destination; nothing happens if it is already queued.
  void requeue(OutboundMessage message);
  // The messages to send now, in sequence order: the head of each queue whose time has come, of
  // destinations not waiting on an unreachable receiver. After an attempt fails `unreachable`,
  // the rest of this list should wait: its destination is held from then on.
  [[nodiscard]] std::vector<OutboundMessage> due(Clock::time_point now) const;
  // The receiver acknowledged it (AA, or CA in enhanced mode).
  void delivered(std::uint64_t sequence);
  // It failed. Retried later, or dead-lettered.
  std::optional<OutboxAlert> failed(std::uint64_t sequence, const std::string& error, Clock::time_point now,
                                    Failure why = Failure::unreachable);

  [[nodiscard]] std::size_t queued(const std::string& destination) const;
  [[nodiscard]] const std::vector<OutboundMessage>& dead_letters() const { return dead_; }
  // The wait before attempt number `attempt` (1 = the first retry).
  [[nodiscard]] std::chrono::milliseconds delay_before(unsigned attempt) const;

 private:
  using QueueKey = std::pair<std::string, std::string>;  // destination, ordering key
  // Into its queue by sequence, unless it is there already; `fresh`: its refusals start again.
  void requeue_in_place(OutboundMessage message, bool fresh);
  std::deque<OutboundMessage>* queue_with_head(std::uint64_t sequence);
  void pop(std::deque<OutboundMessage>& queue, const OutboundMessage& head);

  OutboxPolicy policy_;
  std::uint64_t next_sequence_ = 1;
  std::map<QueueKey, std::deque<OutboundMessage>> queues_;  // each in order; never empty
  std::map<std::string, Clock::time_point> held_until_;     // destinations whose receiver is down
  std::vector<OutboundMessage> dead_;
};

}  // namespace radloop::pipeline
