// The sender's worker: one thread per destination takes the queue in order and drives the
// blocking Client through connect, send, wait for reply, and backoff between attempts.
#include "reference/mllp/sender.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/ip/address.hpp>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "reference/mllp/client.hpp"
#include "reference/tls/context.hpp"

namespace radloop::mllp {

std::string_view to_string(SendOutcome outcome) {
  switch (outcome) {
    case SendOutcome::replied: return "replied";
    case SendOutcome::refused: return "refused";
    case SendOutcome::connection_lost: return "connection_lost";
    case SendOutcome::timed_out: return "timed_out";
    case SendOutcome::cancelled: return "cancelled";
  }
  return "unknown";
}

std::chrono::milliseconds backoff_after(const SenderConfig& config, unsigned attempt) {
  auto wait = static_cast<double>(config.initial_backoff.count());
  const auto cap = static_cast<double>(config.max_backoff.count());
  for (unsigned i = 1; i < attempt && wait < cap; ++i) wait *= config.backoff_multiplier;
  return std::chrono::milliseconds(static_cast<std::int64_t>(std::min(wait, cap)));
}

namespace {

SendResult cancelled(std::string_view where) {
  SendResult result;
  result.outcome = SendOutcome::cancelled;
  result.last_error = Error{Errc::send_cancelled, std::string(where), ""};
  return result;
}

Result<void> check(const SenderConfig& config) {
  boost::system::error_code ec;
  boost::asio::ip::make_address(config.host, ec);
  if (ec) return Error{Errc::invalid_config, "host", config.host + ": " + ec.message()};
  if (config.max_attempts == 0) return Error{Errc::invalid_config, "max_attempts", "at least one attempt is needed"};
  if (!(config.backoff_multiplier >= 1.0)) {  // NaN too
    return Error{Errc::invalid_config, "backoff_multiplier", "a backoff that shrinks would hammer the peer"};
  }
  if (config.initial_backoff.count() < 0 || config.max_backoff < config.initial_backoff) {
    return Error{Errc::invalid_config, "initial_backoff", "needs 0 <= initial_backoff <= max_backoff"};
  }
  if (config.max_backoff > std::chrono::hours(24)) {
    return Error{Errc::invalid_config, "max_backoff", "more than a day between attempts is a stopped sender"};
  }
  if (config.tls) {
    // Loads the files once now, so a wrong path fails here rather than at the first message.
    if (auto context = tls::make_client_context(*config.tls); !context) return context.error();
  }
  return {};
}

}  // namespace

class Sender::Impl {
 public:
  explicit Impl(SenderConfig config)
      : config_(std::move(config)),
        client_config_{
            config_.host, config_.port, config_.connect_timeout, config_.reply_timeout, config_.max_frame_bytes,
            config_.tls},
        where_(config_.host + ":" + std::to_string(config_.port)),
        worker_([this] { run(); }) {}

  ~Impl() { close(); }
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;
  Impl(Impl&&) = delete;
  Impl& operator=(Impl&&) = delete;

  std::future<SendResult> submit(std::string payload) {
    std::promise<SendResult> promise;
    auto future = promise.get_future();
    {
      std::lock_guard lock(mutex_);
      if (!closing_) {
        queue_.push_back(Item{std::move(payload), std::move(promise)});
        wake_.notify_one();
        return future;
      }
    }
    promise.set_value(cancelled(where_));
    return future;
  }

  void close() {
    std::deque<Item> dropped;
    {
      std::lock_guard lock(mutex_);
      closing_ = true;
      dropped.swap(queue_);
    }
    wake_.notify_all();
    for (auto& item : dropped) item.promise.set_value(cancelled(where_));
    std::lock_guard joining(join_mutex_);
    if (worker_.joinable()) worker_.join();
  }

 private:
  struct Item {
    std::string payload;
    std::promise<SendResult> promise;
  };

  void run() {
    while (true) {
      Item item;
      {
        std::unique_lock lock(mutex_);
        wake_.wait(lock, [this] { return closing_ || !queue_.empty(); });
        if (closing_) return;
        item = std::move(queue_.front());
        queue_.pop_front();
      }
      // Nothing may escape this thread: a failure becomes the message's result.
      try {
        item.promise.set_value(deliver(item.payload));
      } catch (const std::exception& e) {
        client_.reset();
        SendResult failed;
        failed.outcome = SendOutcome::connection_lost;
        failed.last_error = Error{Errc::internal, where_, e.what()};
        item.promise.set_value(std::move(failed));
      }
    }
  }

  // Attempts until a final reply, max_attempts, or close(). The same payload string is sent each
  // time, so every attempt carries identical bytes (and the same control ID).
  SendResult deliver(const std::string& payload) {
    SendResult result;
    while (true) {
      ++result.attempts;
      attempt(payload, result);
      const bool again = result.outcome != SendOutcome::replied || result.verdict.retry;
      if (!again) return result;
      if (result.attempts >= config_.max_attempts) {
        spdlog::warn("mllp: giving up on a message to {} after {} attempt(s): {}", where_, result.attempts,
                     describe(result));
        return result;
      }
      const auto wait = backoff_after(config_, result.attempts);
      spdlog::info("mllp: attempt {}/{} to {} failed ({}); retrying in {} ms", result.attempts, config_.max_attempts,
                   where_, describe(result), wait.count());
      if (!pause(wait)) return result;
    }
  }

  void attempt(const std::string& payload, SendResult& result) {
    // A connection the peer closed while we were idle is replaced before sending, so the
    // message is not spent on a dead socket.
    if (client_ && client_->peer_has_closed()) client_.reset();
    // A reply that came after the last message's (a duplicate or second ACK) belongs to that
    // message: a fresh connection keeps it from being credited to this one.
    if (client_ && client_->has_unread_input()) {
      spdlog::warn("mllp: {} sent a reply nobody asked for; reconnecting before the next message", where_);
      client_.reset();
    }
    if (!client_) {
      auto connected = Client::connect(client_config_);
      if (!connected) {
        result.outcome = SendOutcome::refused;
        result.last_error = connected.error();
        return;
      }
      client_ = std::move(connected).value();
    }
    auto reply = client_->exchange(payload);
    if (!reply) {
      // The connection's state is unknown: a late reply on it must never be taken for the next
      // message's, so it is dropped and the next attempt reconnects.
      client_.reset();
      result.outcome =
          reply.error().code == Errc::reply_timeout ? SendOutcome::timed_out : SendOutcome::connection_lost;
      result.last_error = reply.error();
      return;
    }
    result.outcome = SendOutcome::replied;
    result.reply = std::move(reply).value();
    result.last_error.reset();
    result.verdict = ReplyVerdict{};
    if (!config_.classify) return;
    try {
      result.verdict = config_.classify(result.reply);
    } catch (const std::exception& e) {
      // A reply nobody can read is not an acceptance, and sending again would not make it readable.
      result.verdict = ReplyVerdict{"", false, false};
      result.last_error = Error{Errc::internal, "reply classifier", e.what()};
    } catch (...) {
      result.verdict = ReplyVerdict{"", false, false};
      result.last_error = Error{Errc::internal, "reply classifier", "it threw something that is not an exception"};
    }
  }

  static std::string describe(const SendResult& result) {
    if (result.outcome == SendOutcome::replied) return "reply " + result.verdict.code + " asks for a retry";
    return result.last_error ? result.last_error->message() : std::string(to_string(result.outcome));
  }

  // Waits out a backoff; false when close() came first.
  bool pause(std::chrono::milliseconds wait) {
    std::unique_lock lock(mutex_);
    return !wake_.wait_for(lock, wait, [this] { return closing_; });
  }

  const SenderConfig config_;
  const ClientConfig client_config_;
  const std::string where_;
  std::unique_ptr<Client> client_;  // the worker's connection, kept between messages
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Item> queue_;  // guarded by mutex_
  bool closing_ = false;    // guarded by mutex_
  std::mutex join_mutex_;
  std::thread worker_;  // last: starts once everything above exists
};

Result<std::unique_ptr<Sender>> Sender::start(SenderConfig config) {
  if (auto checked = check(config); !checked) return checked.error();
  return std::unique_ptr<Sender>(new Sender(std::make_unique<Impl>(std::move(config))));
}

Sender::Sender(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Sender::~Sender() { close(); }
std::future<SendResult> Sender::submit(std::string payload) { return impl_->submit(std::move(payload)); }
void Sender::close() { impl_->close(); }

}  // namespace radloop::mllp
