// `radloop certify` (see certify_command.hpp).
#include "harness/cli/certify_command.hpp"

#include <fmt/format.h>

#include <iostream>

#include "harness/certify.hpp"
#include "harness/cli/exit_codes.hpp"
#include "harness/cli/pipeline_process.hpp"
#include "harness/cli/run_command.hpp"
#include "harness/endpoints.hpp"
#include "harness/report.hpp"

namespace radloop::cli {
namespace {

// A name is a profile in the profiles folder; anything that looks like a path is a file.
std::filesystem::path profile_file(const std::string& profile, const std::string& folder) {
  if (profile.find('/') != std::string::npos || profile.ends_with(".yaml")) return profile;
  return std::filesystem::path(folder) / (profile + ".yaml");
}

}  // namespace

CertifyCommand::CertifyCommand(CLI::App& app, std::string version) : version_(std::move(version)) {
  command_ = app.add_subcommand(
      "certify", "Run a certification profile's scenarios against a system and write a conformance report");
  command_->add_option("--profile", profile_, "A profile name (see --list) or a profile file");
  command_->add_flag("--list", list_, "List the profiles and the role each certifies");
  command_
      ->add_option("--sut", sut_,
                   "An endpoints file describing the system (harness/endpoints.example.yaml); or process, the "
                   "reference pipeline as a separate process; or reference, the pipeline in this process")
      ->capture_default_str();
  command_->add_option("--catalog", catalog_, "The folder the profiles' scenario files are relative to")
      ->capture_default_str();
  command_->add_option("--profiles", profiles_, "The folder profile names are looked up in")->capture_default_str();
  command_->add_option("--report", report_dir_,
                       "Where the conformance report goes (default conformance-<profile>): conformance.json, "
                       "conformance.md, index.html, junit.xml and each scenario's JSON report");
  command_
      ->add_option("--max-wait", max_wait_, "Wait at most this many seconds for anything, whatever a scenario allows")
      ->check(CLI::Range(0.0, 3600.0));
  command_->add_flag("-q,--quiet", quiet_, "Print only the verdicts");
}

bool CertifyCommand::parsed() const { return command_->parsed(); }

int CertifyCommand::list_profiles() const {
  std::error_code ec;
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(profiles_, ec)) {
    if (entry.path().extension() == ".yaml") files.push_back(entry.path());
  }
  if (ec) {
    std::cerr << "radloop: cannot read the profiles folder " << profiles_ << ": " << ec.message() << '\n';
    return kExitError;
  }
  std::sort(files.begin(), files.end());
  for (const auto& file : files) {
    auto profile = harness::load_profile(file);
    if (!profile) {
      std::cerr << "radloop: " << profile.error().message() << '\n';
      return kExitError;
    }
    std::cout << fmt::format("{:<20} {} ({} scenarios)\n", profile->name, profile->role, profile->scenarios.size());
  }
  return kExitValid;
}

int CertifyCommand::run() {
  if (list_) return list_profiles();
  if (profile_.empty() || sut_.empty()) {
    std::cerr << "radloop: certify needs --profile and --sut (or --list)\n";
    return kExitError;
  }
  auto profile = harness::load_profile(profile_file(profile_, profiles_));
  if (!profile) {
    std::cerr << "radloop: " << profile.error().message() << '\n';
    return kExitError;
  }
  harness::CertifyOptions options;
  options.catalog = catalog_;
  options.radloop_version = version_;
  auto sut = choose_sut(sut_);
  if (!sut) {
    std::cerr << "radloop: " << sut.error().message() << '\n';
    return kExitError;
  }
  options.run.sut = sut->endpoints;
  options.endpoints_file = sut->endpoints_file;
  if (max_wait_ > 0) options.run.wait_cap = std::chrono::milliseconds(static_cast<long>(max_wait_ * 1000));
  const auto report_dir = report_dir_.empty() ? "conformance-" + profile->name : report_dir_;
  std::size_t n = 0;
  options.on_scenario = [&](const std::filesystem::path& file) {
    ++n;
    if (!quiet_) std::cout << fmt::format("[{}/{}] {}\n", n, profile->scenarios.size(), file.generic_string());
  };
  std::vector<nlohmann::json> runs;
  bool written = true;
  options.on_run = [&](const harness::CertifiedRun& run) {
    std::cout << fmt::format(
        "  {:<13} {}{}\n", harness::verdict_label(run.report.verdict), run.report.scenario.name,
        run.report.scenario.id_suffix.empty() ? "" : " (identifiers suffixed " + run.report.scenario.id_suffix + ")");
    if (!quiet_) std::cout << harness::summary(run.report);
    runs.push_back(harness::to_json(run.report));
    const auto path = std::filesystem::path(report_dir) / (run.report.scenario.name + "-report.json");
    std::filesystem::create_directories(report_dir);
    if (auto w = harness::write_report(run.report, path.string()); !w) {
      std::cerr << "radloop: " << w.error().message() << '\n';
      written = false;
    }
  };
  auto certification = harness::certify(profile.value(), options);
  if (!certification) {
    std::cerr << "radloop: " << certification.error().message() << '\n';
    return kExitError;
  }
  const auto dir = std::filesystem::path(report_dir);
  written = write_document(dir / "conformance.json", harness::to_json(certification.value()).dump(2) + "\n",
                           "conformance report") &&
            written;
  written =
      write_document(dir / "conformance.md", harness::conformance_text(certification.value()), "summary") && written;
  written =
      write_run_documents(runs, {catalog_}, "", (dir / "index.html").string(), (dir / "junit.xml").string()) && written;
  const auto& c = certification.value();
  std::cout << fmt::format("profile {} ({}) against {}: {}\n", c.profile.name, c.profile.role, c.system_name,
                           c.verdict == harness::Validity::valid || c.verdict == harness::Validity::invalid
                               ? std::string(harness::verdict_label(c.verdict))
                               : fmt::format("{} (not a pass)", harness::verdict_label(c.verdict)));
  if (!written) return kExitError;
  return exit_code_of(c.verdict);
}

}  // namespace radloop::cli
