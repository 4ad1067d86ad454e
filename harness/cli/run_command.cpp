// `radloop run` (see run_command.hpp).
#include "harness/cli/run_command.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "harness/catalog.hpp"
#include "harness/cli/exit_codes.hpp"
#include "harness/html_report.hpp"
#include "harness/junit_report.hpp"
#include "harness/report.hpp"
#include "reference/pipeline/sabotage.hpp"

namespace radloop::cli {

// Writes a whole document (the HTML or JUnit report) and says where.
bool write_document(const std::filesystem::path& path, const std::string& text, std::string_view what) {
  std::error_code ec;
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path(), ec);
  std::ofstream out(path);
  out << text;
  out.close();
  if (!out) {
    std::cerr << "radloop: cannot write " << path.string() << '\n';
    return false;
  }
  std::cout << what << ": " << path.string() << '\n';
  return true;
}

RunCommand::RunCommand(CLI::App& app) {
  command_ = app.add_subcommand("run", "Run scenario files against a system under test");
  command_->add_option("scenarios", paths_, "Scenario files, or folders of them")->required();
  command_->add_option(
      "--report", report_path_,
      "Where to write the JSON report (default <scenario>-report.json); with several scenarios, a folder");
  command_->add_option("--history", history_path_, "Also write the history as JSON lines");
  command_->add_flag("-q,--quiet", quiet_, "Print only the summary");
  std::string defects;
  for (const auto& s : pipeline::sabotage_switches()) defects += fmt::format("\n  {:<27}{}", s.name, s.sentence);
  command_->add_option("--break", breaks_,
                       "Break the reference pipeline on purpose, to see a scenario catch it (repeatable):" + defects);
  command_
      ->add_option("--sut", sut_,
                   "The system under test: reference (the pipeline, in this process) or an endpoints file describing "
                   "one that runs elsewhere (see harness/endpoints.example.yaml)")
      ->capture_default_str();
  command_->add_option("--namespace", namespace_,
                       "Suffix identifiers so runs against a system that keeps data never meet: auto (a fresh one per "
                       "scenario, the default against an endpoints file), none (the default against the reference), "
                       "a number or the five letters an earlier report shows");
  command_
      ->add_option("--max-wait", max_wait_, "Wait at most this many seconds for anything, whatever the scenario allows")
      ->check(CLI::Range(0.0, 3600.0));
  command_->add_option("--html", html_path_,
                       "Also write an HTML report of every scenario run (one page, self-contained)");
  command_->add_option("--junit", junit_path_, "Also write a JUnit XML report of every scenario run");
}

bool RunCommand::parsed() const { return command_->parsed(); }

Result<NamespaceChoice> parse_namespace(const std::string& text, bool external_system) {
  NamespaceChoice choice;
  if (text == "none" || (text.empty() && !external_system)) return choice;
  if (text == "auto" || text.empty()) {
    choice.fresh_each_run = true;
    return choice;
  }
  harness::IdNamespace ns;
  const char* end = text.data() + text.size();
  if (std::from_chars(text.data(), end, ns.number).ptr == end && ns.number < harness::IdNamespace::kCount) {
    choice.fixed = ns;
    return choice;
  }
  if (text.size() == 5 && std::all_of(text.begin(), text.end(), [](char c) { return c >= 'A' && c <= 'Z'; })) {
    ns.number = 0;
    for (const char c : text) ns.number = ns.number * 26 + static_cast<std::uint32_t>(c - 'A');
    choice.fixed = ns;
    return choice;
  }
  return Error{Errc::invalid_config, "--namespace",
               fmt::format("\"{}\" is not auto, none, a number below {} or five capital letters", text,
                           harness::IdNamespace::kCount)};
}

std::optional<harness::IdNamespace> namespace_for_run(const NamespaceChoice& choice) {
  if (choice.fresh_each_run) return harness::IdNamespace::random();
  return choice.fixed;
}

std::function<void(std::size_t, const harness::Operation&)> print_progress(const harness::Scenario& scenario) {
  return [&scenario](std::size_t i, const harness::Operation& op) {
    std::cout << fmt::format("  [{}/{}] {:<4} {} -> {}\n", i + 1, scenario.steps.size(), harness::to_string(op.type),
                             scenario.steps[i].name, harness::describe_completion(op.value));
  };
}

// The HTML and JUnit reports of every run: into the --report folder when several scenarios ran,
// and wherever --html and --junit say.
bool write_run_documents(const std::vector<nlohmann::json>& runs, const std::vector<std::string>& paths,
                         const std::string& report_path, const std::string& html_path, const std::string& junit_path) {
  std::string title = "radloop run:";
  for (const auto& path : paths) (title += ' ') += path;
  // A folder given alone names the suite ("dicom"); anything else is a plain radloop run.
  std::string suite = "radloop";
  if (paths.size() == 1 && std::filesystem::is_directory(paths.front())) {
    auto folder = std::filesystem::path(paths.front()).lexically_normal();
    if (folder.filename().empty()) folder = folder.parent_path();  // "scenarios/dicom/"
    const auto name = folder.filename().string();
    if (!name.empty() && name != ".") suite = name;
  }
  std::vector<std::filesystem::path> html_files;
  std::vector<std::filesystem::path> junit_files;
  if (!report_path.empty() && runs.size() > 1) {
    html_files.push_back(std::filesystem::path(report_path) / "index.html");
    junit_files.push_back(std::filesystem::path(report_path) / "junit.xml");
  }
  if (!html_path.empty()) html_files.emplace_back(html_path);
  if (!junit_path.empty()) junit_files.emplace_back(junit_path);
  bool ok = true;
  if (!html_files.empty()) {
    const auto html = harness::html_report(runs, title);
    for (const auto& file : html_files) ok = write_document(file, html, "html") && ok;
  }
  if (!junit_files.empty()) {
    const auto xml = harness::junit_xml(runs, suite);
    for (const auto& file : junit_files) ok = write_document(file, xml, "junit") && ok;
  }
  return ok;
}

int exit_code_of(harness::Validity verdict) {
  return verdict == harness::Validity::valid     ? kExitValid
         : verdict == harness::Validity::invalid ? kExitInvalid
                                                 : kExitUnknown;
}

int RunCommand::run() {
  std::optional<harness::SutEndpoints> endpoints;
  if (!sut_.empty() && sut_ != "reference") {
    auto loaded = harness::load_endpoints(sut_);
    if (!loaded) {
      std::cerr << "radloop: " << loaded.error().message() << '\n';
      return kExitError;
    }
    endpoints = std::move(loaded).value();
  }
  const auto namespaces = parse_namespace(namespace_, endpoints.has_value());
  if (!namespaces) {
    std::cerr << "radloop: " << namespaces.error().message() << '\n';
    return kExitError;
  }
  auto files = harness::scenario_files(paths_);
  if (!files) {
    std::cerr << "radloop: " << files.error().message() << '\n';
    return kExitError;
  }
  int worst = kExitValid;
  std::vector<nlohmann::json> runs;  // for the HTML and JUnit reports
  for (const auto& entry : *files) {
    const auto file = entry.string();
    auto scenario = harness::load_scenario(file);
    if (!scenario) {
      std::cerr << "radloop: " << scenario.error().message() << '\n';
      return kExitError;
    }
    harness::RunOptions options;
    options.sabotage = breaks_;
    options.sut = endpoints;
    options.id_namespace = namespace_for_run(namespaces.value());
    if (max_wait_ > 0) options.wait_cap = std::chrono::milliseconds(static_cast<long>(max_wait_ * 1000));
    if (!quiet_) {
      options.on_step = print_progress(scenario.value());
      std::cout << fmt::format("running {} ({} steps)\n", file, scenario->steps.size());
    }
    auto report = harness::run_scenario(scenario.value(), options);
    if (!report) {
      std::cerr << "radloop: could not start the system under test: " << report.error().message() << '\n';
      return kExitError;
    }
    std::cout << harness::summary(report.value());
    runs.push_back(harness::to_json(report.value()));
    // Several scenarios: --report names a folder that gets one report each.
    std::string path = scenario->name + "-report.json";
    if (!report_path_.empty() && files->size() == 1) {
      path = report_path_;
    } else if (!report_path_.empty()) {
      std::filesystem::create_directories(report_path_);
      path = (std::filesystem::path(report_path_) / path).string();
    }
    if (auto written = harness::write_report(report.value(), path); !written) {
      std::cerr << "radloop: " << written.error().message() << '\n';
      return kExitError;
    }
    std::cout << "report: " << path << '\n';
    if (!history_path_.empty()) {
      std::ofstream out(history_path_);
      for (const auto& op : report->history) out << harness::to_json(op).dump() << '\n';
      std::cout << "history: " << history_path_ << '\n';
    }
    const int code = exit_code_of(report->verdict);
    if (code == kExitInvalid || (code == kExitUnknown && worst == kExitValid)) worst = code;
  }
  if (!write_run_documents(runs, paths_, report_path_, html_path_, junit_path_)) return kExitError;
  return worst;
}

}  // namespace radloop::cli
