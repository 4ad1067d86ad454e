// reset: passes `after_bytes` bytes of a direction, then resets the connection: both sides get a
// TCP RST ("connection reset by peer"), as when a peer crashes or a firewall kills the flow.
#include <utility>

#include "harness/link/registry.hpp"

namespace radloop::harness::link {

namespace {

class ResetStage final : public Stage {
 public:
  ResetStage(StageIo io, std::uint64_t after_bytes) : io_(std::move(io)), left_(after_bytes) {}

  void push(Chunk chunk) override {
    if (tripped_) return;  // the reset is on its way; nothing more goes through
    if (chunk.kind != Chunk::Kind::data || chunk.bytes.empty()) {
      io_.pass(std::move(chunk));
      return;
    }
    const auto arrived = chunk.arrived;
    // The reset follows the byte that reaches the threshold at once; with 0 there is no such
    // byte, so the first bytes to arrive stand in for it and are lost.
    if (chunk.bytes.size() < left_) {
      left_ -= chunk.bytes.size();
      io_.pass(std::move(chunk));
      return;
    }
    chunk.bytes.resize(static_cast<std::size_t>(left_));
    tripped_ = true;
    if (!chunk.bytes.empty()) io_.pass(std::move(chunk));
    Chunk reset;
    reset.kind = Chunk::Kind::reset;
    reset.arrived = arrived;
    io_.pass(std::move(reset));
  }

  void release() override {}  // holds nothing
  void cancel() override {}

 private:
  StageIo io_;
  std::uint64_t left_;
  bool tripped_ = false;
};

class Reset final : public Fault {
 public:
  explicit Reset(std::uint64_t after_bytes) : after_bytes_(after_bytes) {}
  [[nodiscard]] std::unique_ptr<Stage> attach(StageIo io) const override {
    return std::make_unique<ResetStage>(std::move(io), after_bytes_);
  }

 private:
  std::uint64_t after_bytes_;
};

}  // namespace

Result<FaultPtr> make_reset(const FaultParams& params) {
  if (auto known = params.only({"after_bytes"}); !known) return known.error();
  auto after_bytes = params.non_negative("after_bytes", 0);
  if (!after_bytes) return after_bytes.error();
  return FaultPtr(std::make_shared<Reset>(*after_bytes));
}

}  // namespace radloop::harness::link
