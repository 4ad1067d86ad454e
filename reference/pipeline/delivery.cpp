// Outbox delivery to one destination (see delivery.hpp).
#include "reference/pipeline/delivery.hpp"

#include <spdlog/spdlog.h>

#include "reference/hl7/ack.hpp"
#include "reference/hl7/parser.hpp"
#include "reference/hl7/segments.hpp"
#include "reference/pipeline/hl7_reply.hpp"

namespace radloop::pipeline {
namespace {

constexpr auto kPoll = std::chrono::milliseconds(250);

Clock::time_point at(store::Millis millis) { return Clock::time_point(std::chrono::milliseconds(millis)); }

store::Millis millis(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

}  // namespace

Delivery::Delivery(store::Store& store, std::string name, Destination destination, OutboxPolicy policy,
                   AlertSink on_alert)
    : store_(store),
      name_(std::move(name)),
      destination_(std::move(destination)),
      on_alert_(std::move(on_alert)),
      fresh_control_id_on_retry_(policy.fresh_control_id_on_retry),
      outbox_(policy) {}

Delivery::~Delivery() { stop(); }

void Delivery::start() {
  thread_ = std::thread([this] { run(); });
}

void Delivery::wake() {
  {
    std::lock_guard lock(mutex_);
    woken_ = true;
  }
  wake_.notify_one();
}

void Delivery::requeue(const std::vector<store::OutboxRecord>& rows) {
  {
    std::lock_guard lock(mutex_);
    for (const auto& row : rows) {
      OutboundMessage m;
      m.sequence = static_cast<std::uint64_t>(row.sequence);
      m.destination = row.destination;
      m.control_id = row.control_id;
      m.payload = row.payload;
      m.key = ordering_key(row.subject, m.payload);
      m.queued_at = Clock::now();  // sent again: its age counts from now, not from when it died
      m.next_attempt = at(row.next_attempt);
      m.attempts = 0;
      requeued_.push_back(std::move(m));
    }
    woken_ = true;
  }
  wake_.notify_one();
}

void Delivery::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
}

DeliveryStats Delivery::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

Result<void> Delivery::load() {
  auto rows = store_.read_value<std::vector<store::OutboxRecord>>([&](store::Tx& tx) {
    store::OutboxFilter f;
    f.state = store::OutboxRecord::State::queued;
    f.destination = name_;
    f.after_sequence = loaded_;
    f.limit = 10'000;
    return tx.outbound(f);
  });
  if (!rows) return rows.error();
  for (auto& row : *rows) {
    OutboundMessage m;
    m.sequence = static_cast<std::uint64_t>(row.sequence);
    m.destination = row.destination;
    m.control_id = row.control_id;
    m.payload = std::move(row.payload);
    m.key = ordering_key(row.subject, m.payload);
    m.queued_at = at(row.queued_at);
    m.next_attempt = at(row.next_attempt);
    m.attempts = static_cast<unsigned>(row.attempts);
    loaded_ = row.sequence;
    outbox_.restore(std::move(m));
  }
  return {};
}

Result<std::string> Delivery::exchange(const std::string& payload) {
  if (client_ && client_->peer_has_closed()) client_.reset();
  if (!client_) {
    mllp::ClientConfig config;
    config.host = destination_.host;
    config.port = destination_.port;
    config.reply_timeout = destination_.reply_timeout;
    config.tls = destination_.tls;
    auto connected = mllp::Client::connect(config);
    if (!connected) return connected.error();
    client_ = std::move(connected).value();
  }
  auto reply = client_->exchange(payload);
  if (!reply) client_.reset();  // the connection's state is unknown after a failure
  return reply;
}

bool Delivery::attempt(const OutboundMessage& message) {
  auto payload = message.payload;
  if (fresh_control_id_on_retry_ && message.attempts > 0) {
    // Appended piecewise: GCC 12 at -O3 warns (-Wrestrict) on "literal" + std::string.
    std::string field = "|";
    field += message.control_id;
    field += '|';
    std::string suffix = "R";
    suffix += std::to_string(message.attempts);
    const auto at = payload.rfind(field, payload.find('\r'));
    if (at != std::string::npos) payload.insert(at + 1 + message.control_id.size(), suffix);
  }
  // Whatever the exchange throws is this attempt's failure, recorded like any other below.
  Result<std::string> reply = Error{Errc::internal, "delivery", "not sent"};
  try {
    reply = exchange(payload);
  } catch (const std::exception& e) {
    client_.reset();
    reply = Error{Errc::internal, "delivery", e.what()};
  }
  std::string error;
  auto failure = Failure::unreachable;
  if (reply) {
    const auto verdict = classify_hl7_reply(*reply);
    if (!verdict.accepted) {
      error = "answered " + (verdict.code.empty() ? std::string("unreadably") : verdict.code);
      // AR/CR: the receiver rejected it and would again. AE/CE is often a receiver in trouble for
      // a moment (its database restarting): retried on time. Either holds only this order. An
      // answer that is no ACK at all says the receiver is out of step: the destination waits.
      failure = verdict.code == "AR" || verdict.code == "CR"           ? Failure::refused
                : verdict.code == "unreadable" || verdict.code.empty() ? Failure::unreachable
                                                                       : Failure::error;
      if (failure == Failure::unreachable) client_.reset();
    }
    // An ACK answers the message its MSA-2 names. One naming another (a late answer to an
    // earlier attempt, a receiver that echoes a fixed ID) is no answer to this one: not taken as
    // delivered, and the connection, out of step, is closed before the retry.
    if (auto ack = hl7::read_ack(*reply); ack) {
      std::string sent;
      // MSH alone is enough to read MSH-10 (as sent: under the fresh_control_id_on_retry defect too).
      if (const auto header = hl7::parse(std::string_view(payload).substr(0, payload.find('\r'))); header)
        sent = hl7::Msh(*header, 0).control_id();
      if (auto why = hl7::not_an_answer_to(*ack, sent)) {
        error = "no answer to " + sent + ": " + *why;
        failure = Failure::unreachable;
        client_.reset();
      }
    }
  } else {
    error = reply.error().message();
  }
  const auto now = Clock::now();
  store::OutboxRecord row;
  row.sequence = static_cast<std::int64_t>(message.sequence);
  std::optional<OutboxAlert> alert;
  if (error.empty()) {
    outbox_.delivered(message.sequence);
    row.state = store::OutboxRecord::State::delivered;
    row.attempts = static_cast<int>(message.attempts) + 1;
    row.delivered_at = millis(now);
  } else {
    alert = outbox_.failed(message.sequence, error, now, failure);
    row.attempts = static_cast<int>(message.attempts) + 1;
    row.last_error = error;
    row.state = alert ? store::OutboxRecord::State::dead : store::OutboxRecord::State::queued;
    row.next_attempt = millis(now + outbox_.delay_before(message.attempts + 1));
  }
  // What the peer said is recorded before the next message goes: after a crash here, the
  // message is sent again under the same control ID, which the receiver can recognise.
  auto kept = store_.write([&](store::Tx& tx) -> Result<void> {
    if (auto r = tx.put_outbound(row); !r) return r;
    if (error.empty() && name_ == kEhr) {
      // A report reached the chart: the accession's journey is complete.
      store::OutboxFilter f;
      f.after_sequence = row.sequence - 1;
      f.limit = 1;
      auto sent = tx.outbound(f);
      if (!sent) return sent.error();
      if (!sent->empty() && !sent->front().subject.empty()) {
        return tx.mark_landing(sent->front().subject, "delivered", row.delivered_at);
      }
    }
    return {};
  });
  if (!kept)
    spdlog::error("delivery {}: could not record the outcome of {}: {}", name_, message.control_id,
                  kept.error().message());
  std::lock_guard lock(mutex_);
  if (error.empty()) {
    ++stats_.delivered;
  } else {
    ++stats_.failed_attempts;
    spdlog::warn("delivery {}: {} not accepted: {}", name_, message.control_id, error);
  }
  if (alert) {
    ++stats_.dead_letters;
    spdlog::error("delivery {}: dead letter {}: {}", name_, alert->control_id, alert->reason);
    if (on_alert_) on_alert_(*alert);
  }
  return error.empty() || failure != Failure::unreachable;
}

void Delivery::run() {
  for (;;) {
    if (auto loaded = load(); !loaded) {
      spdlog::error("delivery {}: cannot read the outbox: {}", name_, loaded.error().message());
    }
    std::vector<OutboundMessage> requeued;
    {
      std::lock_guard lock(mutex_);
      requeued.swap(requeued_);
    }
    for (auto& m : requeued) outbox_.requeue(std::move(m));
    const auto due = outbox_.due(Clock::now());
    for (const auto& message : due) {
      {
        std::lock_guard lock(mutex_);
        if (stopping_) return;
      }
      // Nothing may end the delivery thread: a failure is this attempt's, retried on schedule.
      try {
        // An unreachable receiver holds every message behind this one (Outbox::due).
        if (!attempt(message)) break;
      } catch (const std::exception& e) {
        spdlog::error("delivery {}: an attempt failed: {}; delivery keeps running", name_, e.what());
      }
    }
    std::unique_lock lock(mutex_);
    if (stopping_) return;
    if (!due.empty()) continue;  // the next one may be due at once
    wake_.wait_for(lock, kPoll, [&] { return stopping_ || woken_; });
    woken_ = false;
    if (stopping_) return;
  }
}

}  // namespace radloop::pipeline
