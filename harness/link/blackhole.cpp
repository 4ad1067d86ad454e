// blackhole: swallows every byte for `ms` after the fault is added (or until it is removed) and
// keeps the connection open — packets vanish, so the sender's own timeout is what fires.
#include <optional>
#include <utility>

#include "harness/link/registry.hpp"
#include "harness/link/stage_timer.hpp"

namespace radloop::harness::link {

namespace {

// It DROPS what it swallows by design: removing it lets new bytes through and never replays old
// ones, unlike delay, which passes on what it holds. Only the end of a stream is kept, and passed
// on when the blackhole lifts, so a side that closed meanwhile is not left open forever.
class BlackholeStage final : public Stage {
 public:
  BlackholeStage(StageIo io, std::optional<Clock::time_point> until)
      : io_(std::move(io)), until_(until), timer_(io_.executor) {
    if (until_) timer_.at(*until_, [this] { lift(); });
  }

  void push(Chunk chunk) override {
    // The period may have ended before this connection existed, or its timer may still be queued.
    if (!lifted_ && until_ && Clock::now() >= *until_) lift();
    if (lifted_) {
      io_.pass(std::move(chunk));
    } else if (chunk.kind != Chunk::Kind::data && !held_end_) {
      held_end_ = std::move(chunk);
    }
  }

  void release() override { lift(); }

  void cancel() override {
    timer_.cancel();
    held_end_.reset();
  }

 private:
  void lift() {
    if (lifted_) return;
    lifted_ = true;
    timer_.cancel();
    if (held_end_) {
      auto end = std::move(*held_end_);
      held_end_.reset();
      io_.pass(std::move(end));
    }
  }

  StageIo io_;
  std::optional<Clock::time_point> until_;
  std::optional<Chunk> held_end_;
  bool lifted_ = false;
  StageTimer timer_;
};

class Blackhole final : public Fault {
 public:
  explicit Blackhole(std::optional<Clock::time_point> until) : until_(until) {}
  [[nodiscard]] std::unique_ptr<Stage> attach(StageIo io) const override {
    return std::make_unique<BlackholeStage>(std::move(io), until_);
  }

 private:
  std::optional<Clock::time_point> until_;  // absent: until removed
};

}  // namespace

Result<FaultPtr> make_blackhole(const FaultParams& params) {
  if (auto known = params.only({"ms"}); !known) return known.error();
  auto period = params.millis_or("ms", std::chrono::milliseconds(0));
  if (!period) return period.error();
  std::optional<Clock::time_point> until;
  if (period->count() > 0) until = Clock::now() + *period;
  return FaultPtr(std::make_shared<Blackhole>(until));
}

}  // namespace radloop::harness::link
