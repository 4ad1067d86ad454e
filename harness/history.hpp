// The history of a run: every operation's invocation and completion, in the order they happened.
// A completion is ok, fail, or info; info means the outcome is unknown (no reply came).
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace radloop::harness {

enum class OpType { invoke, ok, fail, info };
std::string_view to_string(OpType type);

struct Operation {
  std::size_t index = 0;
  std::int64_t time_us = 0;  // microseconds since the run started
  std::string process;       // who acted: the step's name
  OpType type = OpType::invoke;
  std::string f;         // the operation: "dicom_echo", "hl7_send"
  nlohmann::json value;  // what was asked (invoke) or what came back (completion)
};

class History {
 public:
  History() : start_(std::chrono::steady_clock::now()) {}

  // Returns a copy of what was recorded: the history may grow on another thread meanwhile.
  Operation append(std::string process, OpType type, std::string f, nlohmann::json value);
  [[nodiscard]] std::vector<Operation> operations() const;

 private:
  std::chrono::steady_clock::time_point start_;
  mutable std::mutex mutex_;
  std::vector<Operation> ops_;
};

nlohmann::json to_json(const Operation& op);

}  // namespace radloop::harness
