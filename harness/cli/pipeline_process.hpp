// --sut process: the reference pipeline started as a separate process (radloop pipeline), and
// reached the way a vendor's system is, through endpoints: its MLLP and DICOM ports, the ports it
// sends to (where the simulators listen), its portal. Nothing is shared with the harness.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "harness/cli/child_process.hpp"
#include "harness/endpoints.hpp"
#include "harness/scratch_dir.hpp"
#include "reference/core/result.hpp"

namespace radloop::cli {

class PipelineProcess {
 public:
  // Starts `radloop pipeline` from this very binary, on ephemeral ports, with a store and image
  // folder of its own; returns once it printed its "ready" line (or fails with what it said).
  static Result<std::unique_ptr<PipelineProcess>> start();
  ~PipelineProcess();  // SIGTERM, then waits for it
  PipelineProcess(const PipelineProcess&) = delete;
  PipelineProcess& operator=(const PipelineProcess&) = delete;

  [[nodiscard]] const harness::SutEndpoints& endpoints() const { return endpoints_; }

 private:
  PipelineProcess() = default;
  std::unique_ptr<ChildProcess> child_;
  std::thread drain_;  // reads and drops what it prints after the ready line: a full pipe would block it
  std::unique_ptr<harness::ScratchDir> folder_;
  harness::SutEndpoints endpoints_;
};

// What --sut names: the in-process reference (neither set), the reference as a separate process
// (started now, stopped when this goes), or a system an endpoints file describes.
struct SutChoice {
  std::optional<harness::SutEndpoints> endpoints;
  std::unique_ptr<PipelineProcess> process;
  std::string endpoints_file;
};
Result<SutChoice> choose_sut(const std::string& sut);

}  // namespace radloop::cli
