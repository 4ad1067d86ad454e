// `radloop run` (see run_command.hpp).
#include "harness/cli/run_command.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "harness/catalog.hpp"
#include "harness/cli/child_process.hpp"
#include "harness/cli/exit_codes.hpp"
#include "harness/cli/pipeline_process.hpp"
#include "harness/html_report.hpp"
#include "harness/junit_report.hpp"
#include "harness/report.hpp"
#include "harness/scratch_dir.hpp"
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
                   "The system under test: reference (the pipeline, in this process), process (the pipeline started "
                   "as a separate process, reached through its ports and portal only) or an endpoints file describing "
                   "one that runs elsewhere (see harness/endpoints.example.yaml)")
      ->capture_default_str();
  command_->add_option("--namespace", namespace_,
                       "Suffix identifiers so runs against a system that keeps data never meet: auto (a fresh one per "
                       "scenario, the default against an endpoints file), none (the default against the reference), "
                       "a number or the five letters an earlier report shows");
  command_
      ->add_option("--max-wait", max_wait_, "Wait at most this many seconds for anything, whatever the scenario allows")
      ->check(CLI::Range(0.0, 3600.0));
  command_->add_option("--shard", shard_,
                       "Run only shard K of N (K/N): every Nth file of the sorted list, so CI jobs or machines split a "
                       "suite the same way everywhere");
  command_
      ->add_option("-j,--jobs", jobs_,
                   "Run this many scenarios at once, each share in a process of its own (the reference in-process "
                   "or --sut process; one system an endpoints file names takes one scenario at a time)")
      ->check(CLI::Range(1U, 64U));
  command_->add_option("--report-dir", report_dir_, "")->group("");  // for the processes of -j
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

Result<std::vector<std::filesystem::path>> shard_of(const std::vector<std::filesystem::path>& files,
                                                    const std::string& shard) {
  if (shard.empty()) return files;
  unsigned k = 0;
  unsigned n = 0;
  const auto slash = shard.find('/');
  const char* end = shard.data() + shard.size();
  const bool read = slash != std::string::npos &&
                    std::from_chars(shard.data(), shard.data() + slash, k).ptr == shard.data() + slash &&
                    std::from_chars(shard.data() + slash + 1, end, n).ptr == end;
  if (!read || n == 0 || k == 0 || k > n) {
    return Error{Errc::invalid_config, "--shard", fmt::format("\"{}\" is not K/N with 1 <= K <= N", shard)};
  }
  std::vector<std::filesystem::path> mine;
  for (std::size_t i = 0; i < files.size(); ++i) {
    if (i % n == k - 1) mine.push_back(files[i]);
  }
  return mine;
}

std::filesystem::path RunCommand::report_file(const std::string& scenario, std::size_t scenarios) const {
  const auto name = scenario + "-report.json";
  if (!report_dir_.empty()) return std::filesystem::path(report_dir_) / name;
  if (report_path_.empty()) return name;
  if (scenarios == 1) return report_path_;
  return std::filesystem::path(report_path_) / name;
}

int RunCommand::run() {
  auto files = harness::scenario_files(paths_);
  if (!files) {
    std::cerr << "radloop: " << files.error().message() << '\n';
    return kExitError;
  }
  auto mine = shard_of(files.value(), shard_);
  if (!mine) {
    std::cerr << "radloop: " << mine.error().message() << '\n';
    return kExitError;
  }
  if (mine->empty()) {
    std::cout << fmt::format("shard {} holds none of the {} scenario files\n", shard_, files->size());
    return kExitValid;
  }
  if (jobs_ > 1 && mine->size() > 1) return run_in_children(mine.value());
  return run_here(mine.value());
}

int RunCommand::run_here(const std::vector<std::filesystem::path>& files) {
  auto sut = choose_sut(sut_);
  if (!sut) {
    std::cerr << "radloop: " << sut.error().message() << '\n';
    return kExitError;
  }
  const auto& endpoints = sut->endpoints;
  const auto namespaces = parse_namespace(namespace_, endpoints.has_value());
  if (!namespaces) {
    std::cerr << "radloop: " << namespaces.error().message() << '\n';
    return kExitError;
  }
  int worst = kExitValid;
  std::vector<nlohmann::json> runs;  // for the HTML and JUnit reports
  for (const auto& entry : files) {
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
    const auto path = report_file(scenario->name, files.size());
    if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path());
    if (auto written = harness::write_report(report.value(), path.string()); !written) {
      std::cerr << "radloop: " << written.error().message() << '\n';
      return kExitError;
    }
    if (report_dir_.empty()) std::cout << "report: " << path.string() << '\n';
    if (!history_path_.empty()) {
      std::ofstream out(history_path_);
      for (const auto& op : report->history) out << harness::to_json(op).dump() << '\n';
      std::cout << "history: " << history_path_ << '\n';
    }
    const int code = exit_code_of(report->verdict);
    if (code == kExitInvalid || (code == kExitUnknown && worst == kExitValid)) worst = code;
  }
  if (!report_dir_.empty()) return worst;  // a parent writes the documents of the whole run
  if (!write_run_documents(runs, paths_, report_path_, html_path_, junit_path_)) return kExitError;
  return worst;
}

int RunCommand::run_in_children(const std::vector<std::filesystem::path>& files) {
  if (sut_ != "reference" && sut_ != "process") {
    std::cerr << "radloop: -j needs a system per process (--sut reference or process): the system an endpoints file "
                 "names sends to one RIS and one EHR port, so it takes one scenario at a time\n";
    return kExitError;
  }
  if (!history_path_.empty()) {
    std::cerr << "radloop: --history takes one scenario's history; it cannot be used with -j\n";
    return kExitError;
  }
  const auto jobs = std::min<std::size_t>(jobs_, files.size());
  const harness::ScratchDir scratch;
  std::vector<std::unique_ptr<ChildProcess>> children;
  for (std::size_t j = 0; j < jobs; ++j) {
    std::vector<std::string> args{"run", "--sut", sut_, "--report-dir", (scratch.path() / std::to_string(j)).string()};
    if (quiet_) args.emplace_back("-q");
    for (const auto& b : breaks_) args.insert(args.end(), {"--break", b});
    if (!namespace_.empty()) args.insert(args.end(), {"--namespace", namespace_});
    if (max_wait_ > 0) args.insert(args.end(), {"--max-wait", fmt::format("{}", max_wait_)});
    // Every jobs-th file from j: long and short scenarios spread as evenly as the sorted list allows.
    for (std::size_t i = j; i < files.size(); i += jobs) args.push_back(files[i].string());
    auto child = ChildProcess::start(args);
    if (!child) {
      std::cerr << "radloop: " << child.error().message() << '\n';
      return kExitError;
    }
    children.push_back(std::move(child).value());
  }
  int worst = kExitValid;
  for (auto& child : children) {
    std::cout << child->read_to_end() << std::flush;
    const int code = child->wait();
    if (code == kExitError || code > kExitError) {
      worst = kExitError;
    } else if (worst != kExitError && (code == kExitInvalid || (code == kExitUnknown && worst == kExitValid))) {
      worst = code;
    }
  }
  // The children's reports, in the order of the files, where one process would have put them.
  std::vector<nlohmann::json> runs;
  for (std::size_t i = 0; i < files.size(); ++i) {
    const auto dir = scratch.path() / std::to_string(i % jobs);
    auto scenario = harness::load_scenario(files[i]);
    if (!scenario) continue;  // the child said why
    const auto from = dir / (scenario->name + "-report.json");
    std::ifstream in(from);
    if (!in) continue;
    runs.push_back(nlohmann::json::parse(in, nullptr, false));
    const auto to = report_file(scenario->name, files.size());
    if (to.has_parent_path()) std::filesystem::create_directories(to.parent_path());
    std::error_code ec;
    std::filesystem::copy_file(from, to, std::filesystem::copy_options::overwrite_existing, ec);
    if (ec) {
      std::cerr << "radloop: cannot write " << to.string() << ": " << ec.message() << '\n';
      worst = kExitError;
    }
  }
  if (runs.size() != files.size() && worst != kExitError) worst = kExitError;
  if (!write_run_documents(runs, paths_, report_path_, html_path_, junit_path_)) return kExitError;
  return worst;
}

}  // namespace radloop::cli
