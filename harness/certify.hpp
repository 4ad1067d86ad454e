// Certification: a profile names an actor role and the scenarios a system in that role must pass;
// certify() runs them against the system and the conformance report says, per check, what was
// seen, with the evidence, and which checks stayed unknown because the system showed nothing.
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/runner.hpp"
#include "reference/core/result.hpp"

namespace radloop::harness {

struct Profile {
  std::string name;
  std::string role;  // the IHE-style actor a system plays: "Image Manager / Image Archive"
  std::string description;
  std::vector<std::string> scenarios;  // files relative to the catalog folder
  // policy_steps: judged (the default) or left_out: whether the expectations of steps marked
  // policy: (a local choice the standards leave open) count for this role.
  bool judge_policy_steps = true;
  std::filesystem::path origin;
};

// A profile file (harness/profiles/*.yaml). Errors (scenario_invalid) name file:line and key.
Result<Profile> load_profile(const std::filesystem::path& file);

// SHA-256 of a file's bytes, as 64 lowercase hex digits: which exact scenario text was run.
Result<std::string> sha256_of_file(const std::filesystem::path& file);

struct CertifiedRun {
  std::filesystem::path file;
  std::string sha256;
  RunReport report;
};

struct Certification {
  Profile profile;
  std::string profile_sha256;
  std::string system_name;     // the endpoints file's name:, or "reference"
  std::string endpoints_file;  // empty for the in-process reference
  std::string endpoints_sha256;
  std::string radloop_version;
  std::string started_at;  // UTC, ISO 8601
  std::vector<CertifiedRun> runs;
  Validity verdict = Validity::unknown;  // false beats unknown, unknown beats true
};

struct CertifyOptions {
  std::filesystem::path catalog = "scenarios";  // where the profile's scenario files are
  std::string radloop_version;
  std::string endpoints_file;
  // Each scenario's options; certify gives each a fresh identifier namespace against an external
  // system, since a system under certification keeps what earlier scenarios sent it.
  RunOptions run;
  std::function<void(const std::filesystem::path&)> on_scenario;  // before each, for progress
  std::function<void(const CertifiedRun&)> on_run;                // after each
};

// Runs every scenario of the profile. Fails only when a scenario file cannot be read or the
// system cannot be reached to start a run; a failed or unknown check is a verdict, not an error.
Result<Certification> certify(const Profile& profile, const CertifyOptions& options);

// The conformance report: system, profile, radloop version, each scenario file with its hash,
// each check's verdict with its evidence, and the list of unknowns with why.
nlohmann::json to_json(const Certification& certification);
// The same for people, as Markdown.
std::string conformance_text(const Certification& certification);

}  // namespace radloop::harness
