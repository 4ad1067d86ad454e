// slice: passes the stream on in writes of at most `bytes`, optionally `delay_ms` apart — how
// split frames are made: an MLLP message or DICOM PDU arrives at the far side in small pieces.
#include <deque>
#include <utility>

#include "harness/link/registry.hpp"
#include "harness/link/stage_timer.hpp"

namespace radloop::harness::link {

namespace {

using std::chrono::milliseconds;

class SliceStage final : public Stage {
 public:
  SliceStage(StageIo io, std::size_t piece_bytes, milliseconds gap)
      : io_(std::move(io)), piece_bytes_(piece_bytes), gap_(gap), timer_(io_.executor) {}

  void push(Chunk chunk) override {
    if (chunk.kind != Chunk::Kind::data) {
      held_.push_back(std::move(chunk));
    } else {
      // Each piece keeps the arrival time of the bytes it came from, for a delay further on.
      for (std::size_t at = 0; at < chunk.bytes.size(); at += piece_bytes_) {
        Chunk piece;
        piece.arrived = chunk.arrived;
        piece.bytes = chunk.bytes.substr(at, piece_bytes_);
        held_.push_back(std::move(piece));
      }
    }
    if (!timer_.armed()) pass_next();
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
  // Without a gap every piece goes at once, each its own write; with one, a piece goes and the
  // next waits for the gap, so a piece that arrives after a quiet spell goes straight out.
  void pass_next() {
    while (!held_.empty()) {
      const bool was_data = held_.front().kind == Chunk::Kind::data;
      pass_front();
      if (gap_.count() > 0 && was_data && !held_.empty()) {
        timer_.at(Clock::now() + gap_, [this] { pass_next(); });
        return;
      }
    }
  }

  void pass_front() {
    auto chunk = std::move(held_.front());
    held_.pop_front();
    io_.pass(std::move(chunk));
  }

  StageIo io_;
  std::size_t piece_bytes_;
  milliseconds gap_;
  std::deque<Chunk> held_;
  StageTimer timer_;
};

class Slice final : public Fault {
 public:
  Slice(std::size_t piece_bytes, milliseconds gap) : piece_bytes_(piece_bytes), gap_(gap) {}
  [[nodiscard]] std::unique_ptr<Stage> attach(StageIo io) const override {
    return std::make_unique<SliceStage>(std::move(io), piece_bytes_, gap_);
  }

 private:
  std::size_t piece_bytes_;
  milliseconds gap_;
};

}  // namespace

Result<FaultPtr> make_slice(const FaultParams& params) {
  if (auto known = params.only({"bytes", "delay_ms"}); !known) return known.error();
  auto bytes = params.positive("bytes", "the largest piece passed on in one write, in bytes");
  if (!bytes) return bytes.error();
  auto gap = params.millis_or("delay_ms", milliseconds(0));
  if (!gap) return gap.error();
  return FaultPtr(std::make_shared<Slice>(static_cast<std::size_t>(*bytes), *gap));
}

}  // namespace radloop::harness::link
