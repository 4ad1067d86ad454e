// `radloop sim ehr send|listen` and `radloop sim ris serve|report`: the HL7 simulators from the
// command line.
#pragma once

#include <CLI/CLI.hpp>

#include <string>

#include "simulators/ehr/ehr.hpp"
#include "simulators/ris/ris.hpp"

namespace radloop::cli {

class SimHl7Command {
 public:
  explicit SimHl7Command(CLI::App& sim);
  [[nodiscard]] bool parsed() const;
  // Runs the subcommand that was parsed; returns the process exit code.
  int run();

 private:
  int ehr_send();
  int ehr_listen();
  int ris_serve();
  int ris_report();

  CLI::App* ehr_send_ = nullptr;
  CLI::App* ehr_listen_ = nullptr;
  CLI::App* ris_serve_ = nullptr;
  CLI::App* ris_report_ = nullptr;

  hl7sim::PeerConfig peer_;
  ehr::Patient patient_;
  std::string trigger_ = "A04";
  std::string merge_from_;
  ehr::Order order_;
  std::string order_control_ = "NW";
  std::string procedure_ = "71250^CT CHEST^CPT4";
  std::vector<std::string> script_;
  double seconds_ = 0;
  std::string events_path_;
  ris::RisOptions ris_options_;
  std::vector<std::string> report_statuses_;
  ris::ReportRequest report_;
  std::string report_text_;
};

// "N=BEHAVIOUR" or "*=BEHAVIOUR" entries; a behaviour is AA, AE, AR, none, drop, each
// optionally with "@MS" (answer after MS milliseconds). invalid_config names a bad entry.
Result<hl7sim::AckScript> parse_ack_script(const std::vector<std::string>& entries);

}  // namespace radloop::cli
