// Thread-safe history recording and its JSON-lines form.
#include "harness/history.hpp"

namespace radloop::harness {

std::string_view to_string(OpType type) {
  switch (type) {
    case OpType::invoke: return "invoke";
    case OpType::ok: return "ok";
    case OpType::fail: return "fail";
    case OpType::info: return "info";
  }
  return "info";
}

Operation History::append(std::string process, OpType type, std::string f, nlohmann::json value) {
  const auto now = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start_);
  std::lock_guard lock(mutex_);
  ops_.push_back(Operation{ops_.size(), now.count(), std::move(process), type, std::move(f), std::move(value)});
  return ops_.back();
}

std::vector<Operation> History::operations() const {
  std::lock_guard lock(mutex_);
  return ops_;
}

nlohmann::json to_json(const Operation& op) {
  return {{"index", op.index}, {"time_us", op.time_us}, {"process", op.process}, {"type", to_string(op.type)},
          {"f", op.f},         {"value", op.value}};
}

}  // namespace radloop::harness
