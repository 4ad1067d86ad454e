// Delivery to one destination from the durable outbox: messages go in sequence order (per order:
// one order's rejected message does not hold another's; outbox.hpp), one at a time
// over one MLLP connection; an accepted ACK marks the message delivered in the store, a
// failure schedules a retry (same bytes, same control ID) or dead-letters it with an alert.
// After a restart, whatever is still queued in the store is sent again.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "reference/mllp/client.hpp"
#include "reference/pipeline/flows.hpp"
#include "reference/pipeline/outbox.hpp"
#include "reference/store/store.hpp"

namespace radloop::pipeline {

struct DeliveryStats {
  std::uint64_t delivered = 0;
  std::uint64_t failed_attempts = 0;
  std::uint64_t dead_letters = 0;
};

using AlertSink = std::function<void(const OutboxAlert&)>;

class Delivery {
 public:
  Delivery(store::Store& store, std::string name, Destination destination, OutboxPolicy policy, AlertSink on_alert);
  ~Delivery();
  Delivery(const Delivery&) = delete;
  Delivery& operator=(const Delivery&) = delete;

  void start();
  // Something new may be queued: look now rather than at the next poll.
  void wake();
  // These dead letters were queued again in the store (Pipeline::retry_outbound): take them back.
  void requeue(const std::vector<store::OutboxRecord>& rows);
  [[nodiscard]] const std::string& name() const { return name_; }
  void stop();
  [[nodiscard]] DeliveryStats stats() const;

 private:
  void run();
  Result<void> load();
  // Sends one message and records the outcome; false when the receiver could not be reached (or
  // answered out of step), so nothing else should be tried before the retry.
  bool attempt(const OutboundMessage& message);
  Result<std::string> exchange(const std::string& payload);

  store::Store& store_;
  std::string name_;
  Destination destination_;
  AlertSink on_alert_;
  bool fresh_control_id_on_retry_ = false;
  Outbox outbox_;
  std::int64_t loaded_ = 0;
  std::unique_ptr<mllp::Client> client_;

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  bool woken_ = false;
  std::vector<OutboundMessage> requeued_;  // guarded by mutex_; taken in by the delivery thread
  DeliveryStats stats_;
  std::thread thread_;
};

}  // namespace radloop::pipeline
