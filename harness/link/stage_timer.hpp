// A timer for stages: at most one wait armed, cancelled by cancel() or by destruction, and its
// callback never runs after either, even if the wait had already expired and was queued.
#pragma once

#include <boost/asio/steady_timer.hpp>
#include <functional>
#include <memory>
#include <utility>

#include "harness/link/stage.hpp"

namespace radloop::harness::link {

class StageTimer {
 public:
  explicit StageTimer(const boost::asio::any_io_executor& executor) : timer_(executor) {}
  ~StageTimer() { cancel(); }
  StageTimer(const StageTimer&) = delete;
  StageTimer& operator=(const StageTimer&) = delete;

  // Replaces any wait already armed.
  void at(Clock::time_point when, std::function<void()> callback) {
    cancel();
    armed_ = true;
    timer_.expires_at(when);
    // A cancelled wait can already sit in the queue with a success code; the token tells it apart.
    std::weak_ptr<int> token = token_;
    timer_.async_wait([this, token, callback = std::move(callback)](const boost::system::error_code& ec) {
      if (ec || token.expired()) return;
      armed_ = false;
      callback();
    });
  }

  void cancel() {
    if (!armed_) return;
    armed_ = false;
    token_ = std::make_shared<int>(0);  // orphans the wait armed before
    timer_.cancel();
  }

  [[nodiscard]] bool armed() const { return armed_; }

 private:
  boost::asio::steady_timer timer_;
  std::shared_ptr<int> token_ = std::make_shared<int>(0);
  bool armed_ = false;
};

}  // namespace radloop::harness::link
