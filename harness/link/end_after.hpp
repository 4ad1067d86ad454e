// drop_after and reset share one shape: pass the first `limit` bytes of a direction, then end the
// connection right behind the last byte let through — closed (drop_after) or reset (reset).
// Whatever follows is lost.
#pragma once

#include <memory>
#include <utility>

#include "harness/link/stage.hpp"

namespace radloop::harness::link {

class EndAfterStage final : public Stage {
 public:
  EndAfterStage(StageIo io, std::uint64_t limit, Chunk::Kind end) : io_(std::move(io)), left_(limit), end_(end) {}

  void push(Chunk chunk) override {
    if (ended_) return;  // the end is on its way; nothing more goes through
    if (chunk.kind != Chunk::Kind::data || chunk.bytes.empty()) {
      io_.pass(std::move(chunk));
      return;
    }
    const auto arrived = chunk.arrived;
    if (chunk.bytes.size() < left_) {
      left_ -= chunk.bytes.size();
      io_.pass(std::move(chunk));
      return;
    }
    // This chunk reaches the limit: its head goes, then the end. With a limit of 0 there is no
    // such head, so the first bytes to arrive stand in for it and are lost.
    chunk.bytes.resize(static_cast<std::size_t>(left_));
    left_ = 0;
    ended_ = true;
    if (!chunk.bytes.empty()) io_.pass(std::move(chunk));
    Chunk end;
    end.kind = end_;
    end.arrived = arrived;
    io_.pass(std::move(end));
  }

  void release() override {}  // holds nothing
  void cancel() override {}

 private:
  StageIo io_;
  std::uint64_t left_;
  Chunk::Kind end_;
  bool ended_ = false;
};

class EndAfter final : public Fault {
 public:
  EndAfter(std::uint64_t limit, Chunk::Kind end) : limit_(limit), end_(end) {}
  [[nodiscard]] std::unique_ptr<Stage> attach(StageIo io) const override {
    return std::make_unique<EndAfterStage>(std::move(io), limit_, end_);
  }

 private:
  std::uint64_t limit_;
  Chunk::Kind end_;
};

}  // namespace radloop::harness::link
