// delay: holds every chunk until `ms` (plus up to `jitter_ms`) after it arrived at the proxy —
// latency on the link.
#include <deque>
#include <random>
#include <utility>

#include "harness/link/registry.hpp"
#include "harness/link/stage_timer.hpp"

namespace radloop::harness::link {

namespace {

using std::chrono::milliseconds;

// Counting from arrival means time spent in faults before this one is part of the delay, not
// added to it.
class DelayStage final : public Stage {
 public:
  DelayStage(StageIo io, milliseconds delay, milliseconds jitter)
      : io_(std::move(io)), delay_(delay), jitter_(jitter), timer_(io_.executor) {}

  void push(Chunk chunk) override {
    auto due = chunk.arrived + delay_ + draw_jitter();
    // Never before the chunk ahead of it: jitter may reorder time, it may not reorder bytes.
    if (!held_.empty() && due < held_.back().first) due = held_.back().first;
    held_.emplace_back(due, std::move(chunk));
    if (held_.size() == 1) arm();
  }

  void release() override {
    timer_.cancel();
    while (!held_.empty()) pass_front();
  }

  void cancel() override {
    timer_.cancel();
    held_.clear();
  }

 private:
  milliseconds draw_jitter() {
    if (jitter_.count() == 0) return milliseconds(0);
    std::uniform_int_distribution<milliseconds::rep> extra(0, jitter_.count());
    return milliseconds(extra(random_));
  }

  void arm() {
    timer_.at(held_.front().first, [this] { due(); });
  }

  void due() {
    const auto now = Clock::now();
    while (!held_.empty() && held_.front().first <= now) pass_front();
    if (!held_.empty()) arm();
  }

  // Taken off the queue before it is passed on, so whatever the pass does next sees a consistent queue.
  void pass_front() {
    auto chunk = std::move(held_.front().second);
    held_.pop_front();
    io_.pass(std::move(chunk));
  }

  StageIo io_;
  milliseconds delay_;
  milliseconds jitter_;
  std::deque<std::pair<Clock::time_point, Chunk>> held_;
  StageTimer timer_;
  std::minstd_rand random_{std::random_device{}()};
};

class Delay final : public Fault {
 public:
  Delay(milliseconds delay, milliseconds jitter) : delay_(delay), jitter_(jitter) {}
  [[nodiscard]] std::unique_ptr<Stage> attach(StageIo io) const override {
    return std::make_unique<DelayStage>(std::move(io), delay_, jitter_);
  }

 private:
  milliseconds delay_;
  milliseconds jitter_;
};

}  // namespace

Result<FaultPtr> make_delay(const FaultParams& params) {
  if (auto known = params.only({"ms", "jitter_ms"}); !known) return known.error();
  auto delay = params.millis("ms", "how long each byte is held, in milliseconds");
  if (!delay) return delay.error();
  auto jitter = params.millis_or("jitter_ms", milliseconds(0));
  if (!jitter) return jitter.error();
  return FaultPtr(std::make_shared<Delay>(*delay, *jitter));
}

}  // namespace radloop::harness::link
