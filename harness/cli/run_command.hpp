// `radloop run`: scenario files against the reference pipeline or an external system, with the
// console, JSON, HTML and JUnit reports.
#pragma once

#include <CLI/CLI.hpp>

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "harness/endpoints.hpp"
#include "harness/id_namespace.hpp"
#include "harness/runner.hpp"

namespace radloop::cli {

class RunCommand {
 public:
  explicit RunCommand(CLI::App& app);
  [[nodiscard]] bool parsed() const;
  // Runs every scenario; the exit code is the worst verdict (exit_codes.hpp).
  int run();

 private:
  // One scenario after another, in this process; reports into report_dir_ when a parent asked.
  int run_here(const std::vector<std::filesystem::path>& files);
  // `jobs_` child processes, each running its share of the files; their reports merged here.
  int run_in_children(const std::vector<std::filesystem::path>& files);
  // Where a scenario's JSON report goes: the --report file, a file in the --report folder, or
  // <scenario>-report.json here.
  [[nodiscard]] std::filesystem::path report_file(const std::string& scenario, std::size_t scenarios) const;

  CLI::App* command_ = nullptr;
  std::vector<std::string> paths_;
  std::string report_path_;
  std::string history_path_;
  std::string html_path_;
  std::string junit_path_;
  bool quiet_ = false;
  std::vector<std::string> breaks_;
  double max_wait_ = 0;
  std::string sut_ = "reference";
  std::string namespace_;
  std::string shard_;  // "K/N"
  unsigned jobs_ = 1;
  std::string report_dir_;  // a child's: always a folder, no index.html or junit.xml
};

// --shard K/N: the files whose position in the sorted list, counted from 0, is K-1 modulo N.
// The same suite splits the same way on every machine. invalid_config names a bad value.
Result<std::vector<std::filesystem::path>> shard_of(const std::vector<std::filesystem::path>& files,
                                                    const std::string& shard);

// --namespace: "none", "auto" (a fresh one each scenario), a number below IdNamespace::kCount or
// five letters (a suffix seen in an earlier report, to run it again exactly). Empty: auto
// against an external system, none against the reference (which starts empty every time).
struct NamespaceChoice {
  bool fresh_each_run = false;
  std::optional<harness::IdNamespace> fixed;
};
Result<NamespaceChoice> parse_namespace(const std::string& text, bool external_system);

// The namespace one scenario runs in.
std::optional<harness::IdNamespace> namespace_for_run(const NamespaceChoice& choice);

// Prints a step's completion as it happens (the console's progress).
std::function<void(std::size_t, const harness::Operation&)> print_progress(const harness::Scenario& scenario);

// Writes a whole document (a report) and says where on stdout; false (and a message) on failure.
bool write_document(const std::filesystem::path& path, const std::string& text, std::string_view what);

// The HTML and JUnit reports of every run: into the report folder when several scenarios ran,
// and wherever html_path and junit_path say. The suite is named after a lone folder argument.
bool write_run_documents(const std::vector<nlohmann::json>& runs, const std::vector<std::string>& paths,
                         const std::string& report_path, const std::string& html_path, const std::string& junit_path);

// The verdict as the process exit code.
int exit_code_of(harness::Validity verdict);

}  // namespace radloop::cli
