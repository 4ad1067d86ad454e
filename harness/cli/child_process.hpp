// This binary run again as a child process, its stdout on a pipe: the reference pipeline for
// --sut process, and the shards of `radloop run -j N`.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "reference/core/result.hpp"

namespace radloop::cli {

class ChildProcess {
 public:
  // Runs /proc/self/exe with `args` (without argv[0]); stderr is shared with this process.
  static Result<std::unique_ptr<ChildProcess>> start(const std::vector<std::string>& args);
  ~ChildProcess();  // SIGTERM if it still runs, then waits
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  // Its stdout up to the first line end; empty when it closed or `within` passed first.
  std::string first_line(std::chrono::milliseconds within);
  // Everything it prints until it closes its stdout.
  std::string read_to_end();
  // Its exit code, once it ended (128 + the signal that ended it).
  int wait();
  [[nodiscard]] int output() const { return output_; }

 private:
  ChildProcess() = default;
  pid_t pid_ = -1;
  int output_ = -1;
  std::string pending_;  // read past the first line
};

}  // namespace radloop::cli
