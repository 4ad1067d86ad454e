// Chain (see the header).
#include "harness/link/chain.hpp"

#include <algorithm>
#include <utility>

namespace radloop::harness::link {

Chain::~Chain() { cancel(); }

void Chain::push(Chunk chunk) { deliver(0, std::move(chunk)); }

void Chain::append(const std::string& name, const Fault& fault) {
  if (cancelled_) return;
  Slot slot;
  slot.id = next_id_++;
  slot.name = name;
  // Stages find their place by id, not index, so removing one before them never misroutes their bytes.
  StageIo io;
  io.executor = executor_;
  io.pass = [this, id = slot.id](Chunk chunk) { pass_from(id, std::move(chunk)); };
  slot.stage = fault.attach(std::move(io));
  slots_.push_back(std::move(slot));
}

bool Chain::remove(const std::string& name) {
  const auto found = std::find_if(slots_.begin(), slots_.end(), [&](const Slot& s) { return s.name == name; });
  if (found == slots_.end()) return false;
  const auto id = found->id;
  // Released while still in place, so what it passes on goes to the stage after it.
  if (!cancelled_) found->stage->release();
  const auto at = std::find_if(slots_.begin(), slots_.end(), [&](const Slot& s) { return s.id == id; });
  if (at != slots_.end()) slots_.erase(at);
  return true;
}

void Chain::cancel() {
  if (cancelled_) return;
  cancelled_ = true;
  for (auto& slot : slots_) slot.stage->cancel();
}

void Chain::pass_from(std::uint64_t id, Chunk chunk) {
  const auto at = std::find_if(slots_.begin(), slots_.end(), [&](const Slot& s) { return s.id == id; });
  if (at == slots_.end()) return;  // a stage that has left has nobody to pass to
  deliver(static_cast<std::size_t>(at - slots_.begin()) + 1, std::move(chunk));
}

void Chain::deliver(std::size_t index, Chunk chunk) {
  if (cancelled_) return;
  if (index < slots_.size()) {
    slots_[index].stage->push(std::move(chunk));
  } else {
    outlet_(std::move(chunk));
  }
}

}  // namespace radloop::harness::link
