// drop_after: passes the first `bytes` bytes of a direction, then closes the connection on both
// sides; whatever follows is lost — a link that dies mid-message.
#include <utility>

#include "harness/link/registry.hpp"

namespace radloop::harness::link {

namespace {

class DropAfterStage final : public Stage {
 public:
  DropAfterStage(StageIo io, std::uint64_t limit) : io_(std::move(io)), left_(limit) {}

  void push(Chunk chunk) override {
    if (dropped_) return;  // the connection is closing; nothing more goes through
    if (chunk.kind != Chunk::Kind::data) {
      io_.pass(std::move(chunk));
      return;
    }
    const auto arrived = chunk.arrived;
    if (chunk.bytes.size() < left_) {
      left_ -= chunk.bytes.size();
      io_.pass(std::move(chunk));
      return;
    }
    // This chunk reaches the limit: its head goes, then the close, right behind it.
    chunk.bytes.resize(static_cast<std::size_t>(left_));
    left_ = 0;
    dropped_ = true;
    if (!chunk.bytes.empty()) io_.pass(std::move(chunk));
    Chunk cut;
    cut.kind = Chunk::Kind::cut;
    cut.arrived = arrived;
    io_.pass(std::move(cut));
  }

  void release() override {}  // holds nothing
  void cancel() override {}

 private:
  StageIo io_;
  std::uint64_t left_;
  bool dropped_ = false;
};

class DropAfter final : public Fault {
 public:
  explicit DropAfter(std::uint64_t limit) : limit_(limit) {}
  [[nodiscard]] std::unique_ptr<Stage> attach(StageIo io) const override {
    return std::make_unique<DropAfterStage>(std::move(io), limit_);
  }

 private:
  std::uint64_t limit_;
};

}  // namespace

Result<FaultPtr> make_drop_after(const FaultParams& params) {
  if (auto known = params.only({"bytes"}); !known) return known.error();
  auto bytes = params.positive("bytes", "how many bytes pass before the connection is closed");
  if (!bytes) return bytes.error();
  return FaultPtr(std::make_shared<DropAfter>(*bytes));
}

}  // namespace radloop::harness::link
