// `radloop certify`: a certification profile's scenarios against a system, and the conformance
// report (conformance.json, conformance.md, the runs' own reports).
#pragma once

#include <CLI/CLI.hpp>

#include <string>

namespace radloop::cli {

class CertifyCommand {
 public:
  CertifyCommand(CLI::App& app, std::string version);
  [[nodiscard]] bool parsed() const;
  // The exit code is the certification's verdict (exit_codes.hpp).
  int run();

 private:
  int list_profiles() const;

  CLI::App* command_ = nullptr;
  std::string version_;
  std::string profile_;
  std::string sut_;
  std::string catalog_ = "scenarios";
  std::string profiles_ = "harness/profiles";
  std::string report_dir_;
  double max_wait_ = 0;
  bool quiet_ = false;
  bool list_ = false;
};

}  // namespace radloop::cli
