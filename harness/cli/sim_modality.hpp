// `radloop sim modality echo|worklist|send|mpps`: the modality simulator from the command line.
#pragma once

#include <CLI/CLI.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "reference/dicom/mpps.hpp"
#include "simulators/modality/commitment_scu.hpp"
#include "simulators/modality/exam.hpp"

namespace radloop::cli {

class SimModalityCommand {
 public:
  explicit SimModalityCommand(CLI::App& sim);
  [[nodiscard]] bool parsed() const;
  // Runs the subcommand that was parsed; returns the process exit code.
  int run();

 private:
  int echo();
  int worklist();
  int send();
  int mpps();
  int await_report();

  CLI::App* modality_ = nullptr;
  CLI::App* echo_ = nullptr;
  CLI::App* worklist_ = nullptr;
  CLI::App* send_ = nullptr;
  CLI::App* mpps_ = nullptr;
  CLI::App* await_ = nullptr;

  modality::Target target_;
  long timeout_seconds_ = 30;
  dicom::WorklistQuery query_;
  bool use_worklist_ = false;
  std::size_t pick_ = 0;
  std::string modality_name_ = "CT";
  std::string transfer_syntax_ = "explicit";
  modality::StudySpec spec_;
  unsigned associations_ = 1;
  std::string split_ = "contiguous";
  std::vector<std::string> faults_;
  bool commit_ = false;
  std::uint16_t commit_port_ = 0;
  std::string events_path_;
  std::string work_dir_;
  std::string mpps_action_ = "create";
  dicom::PerformedProcedureStep mpps_step_;
  modality::ReportWait wait_;
};

}  // namespace radloop::cli
