// The radloop command line: one binary for running scenarios, the pipeline and the tools.
#include <fmt/format.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>
#include <csignal>

#include <charconv>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "harness/catalog.hpp"
#include "harness/cli/dicom_options.hpp"
#include "harness/cli/exit_codes.hpp"
#include "harness/cli/pipeline_config.hpp"
#include "harness/cli/sim_hl7.hpp"
#include "harness/cli/sim_modality.hpp"
#include "harness/endpoints.hpp"
#include "harness/explain.hpp"
#include "harness/html_report.hpp"
#include "harness/junit_report.hpp"
#include "harness/report.hpp"
#include "harness/runner.hpp"
#include "reference/dicom/echo_scu.hpp"
#include "reference/pipeline/pipeline.hpp"
#include "reference/portal/portal.hpp"

namespace {

using namespace radloop;

using cli::kExitError;
using cli::kExitInvalid;
using cli::kExitUnknown;
using cli::kExitValid;

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

// What `radloop run` was asked.
struct RunArgs {
  std::vector<std::string> paths;
  std::string report_path;
  std::string history_path;
  std::string html_path;
  std::string junit_path;
  bool quiet = false;
  std::vector<std::string> breaks;
  double max_wait = 0;
  std::string sut;  // "reference", or an endpoints file
};

int run_command(const RunArgs& args) {
  std::optional<harness::SutEndpoints> endpoints;
  if (!args.sut.empty() && args.sut != "reference") {
    auto loaded = harness::load_endpoints(args.sut);
    if (!loaded) {
      std::cerr << "radloop: " << loaded.error().message() << '\n';
      return kExitError;
    }
    endpoints = std::move(loaded).value();
  }
  auto files = harness::scenario_files(args.paths);
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
    options.sabotage = args.breaks;
    options.sut = endpoints;
    if (args.max_wait > 0) options.wait_cap = std::chrono::milliseconds(static_cast<long>(args.max_wait * 1000));
    if (!args.quiet) {
      options.on_step = [&](std::size_t i, const harness::Operation& op) {
        std::cout << fmt::format("  [{}/{}] {:<4} {} -> {}\n", i + 1, scenario->steps.size(),
                                 harness::to_string(op.type), scenario->steps[i].name,
                                 harness::describe_completion(op.value));
      };
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
    if (!args.report_path.empty() && files->size() == 1) {
      path = args.report_path;
    } else if (!args.report_path.empty()) {
      std::filesystem::create_directories(args.report_path);
      path = (std::filesystem::path(args.report_path) / path).string();
    }
    if (auto written = harness::write_report(report.value(), path); !written) {
      std::cerr << "radloop: " << written.error().message() << '\n';
      return kExitError;
    }
    std::cout << "report: " << path << '\n';
    if (!args.history_path.empty()) {
      std::ofstream out(args.history_path);
      for (const auto& op : report->history) out << harness::to_json(op).dump() << '\n';
      std::cout << "history: " << args.history_path << '\n';
    }
    const int code = report->verdict == harness::Validity::valid     ? kExitValid
                     : report->verdict == harness::Validity::invalid ? kExitInvalid
                                                                     : kExitUnknown;
    if (code == kExitInvalid || (code == kExitUnknown && worst == kExitValid)) worst = code;
  }
  if (!write_run_documents(runs, args.paths, args.report_path, args.html_path, args.junit_path)) return kExitError;
  return worst;
}

// "host:port" for a destination; invalid_config naming the option otherwise.
Result<pipeline::Destination> destination_from(const std::string& text, const std::string& option,
                                               const std::string& application) {
  const auto colon = text.rfind(':');
  unsigned port = 0;
  const char* end = text.data() + text.size();
  if (colon == std::string::npos || colon == 0 || std::from_chars(text.data() + colon + 1, end, port).ptr != end ||
      port == 0 || port > 65535) {
    return Error{Errc::invalid_config, option, "\"" + text + "\" is not host:port"};
  }
  pipeline::Destination d;
  d.host = text.substr(0, colon);
  d.port = static_cast<std::uint16_t>(port);
  d.application = application;
  return d;
}

// One line per scenario: its name, its number of steps, its description and its file.
int list_command(const std::vector<std::string>& paths) {
  auto files = harness::scenario_files(paths);
  if (!files) {
    std::cerr << "radloop: " << files.error().message() << '\n';
    return kExitError;
  }
  int code = kExitValid;
  for (const auto& path : *files) {
    auto scenario = harness::load_scenario(path);
    if (!scenario) {
      std::cerr << "radloop: " << scenario.error().message() << '\n';
      code = kExitError;
      continue;
    }
    std::cout << fmt::format("{:<28} {:>3} steps  {}  ({})\n", scenario->name, scenario->steps.size(),
                             scenario->description, path.string());
  }
  return code;
}

int pipeline_command(cli::DaemonConfig config) {
  // Block the stop signals before any thread starts, then wait for one of them here.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  auto started = pipeline::Pipeline::start(std::move(config.pipeline));
  if (!started) {
    std::cerr << "radloop: " << started.error().message() << '\n';
    return kExitError;
  }
  auto& p = *started.value();
  std::unique_ptr<portal::Portal> http;
  if (config.portal.enabled) {
    portal::HttpServerConfig http_config;
    http_config.bind_address = config.portal.bind_address;
    http_config.port = config.portal.port;
    http_config.bearer_token = config.portal.token;
    auto served = portal::Portal::start(p, http_config);
    if (!served) {
      std::cerr << "radloop: " << served.error().message() << '\n';
      return kExitError;
    }
    http = std::move(served).value();
  }
  // One line a script can parse to find the ports.
  std::cout << fmt::format("ready mllp={} dicom={} ae={} http={}", p.mllp_port(), p.dicom_port(), p.ae_title(),
                           http ? http->port() : 0)
            << std::endl;
  int signal = 0;
  sigwait(&stop_signals, &signal);
  if (http) http->stop();
  p.stop();
  const auto s = p.stats();
  std::cout << fmt::format(
      "stopped: {} HL7 accepted ({} duplicates), {} rejected, {} errors, {} refused; {} C-ECHO answered; {} instances "
      "stored ({} duplicates, {} conflicts, {} failed), {} indexed; {} commitment requests; {} queries; {} MPPS "
      "created, {} updated; delivered {} to the RIS, {} to the EHR ({} dead letters)\n",
      s.hl7_accepted, s.hl7_duplicates, s.hl7_rejected, s.hl7_errors, s.hl7_refused, s.dicom.echoes_answered,
      s.dicom.instances_stored, s.dicom.duplicates, s.dicom.conflicts, s.dicom.store_failures, s.instances_indexed,
      s.dicom.commitment_requests, s.dicom.queries, s.dicom.mpps_created, s.dicom.mpps_updated, s.ris.delivered,
      s.ehr.delivered, s.ris.dead_letters + s.ehr.dead_letters);
  return kExitValid;
}

int echo_command(const dicom::EchoRequest& request) {
  auto result = dicom::echo(request);
  if (!result) {
    std::cerr << "radloop: " << result.error().message() << '\n';
    return kExitInvalid;
  }
  std::cout << fmt::format("C-ECHO {} -> {} at {}:{}: status 0x{:04X}\n", request.calling_ae, request.called_ae,
                           request.host, request.port, result->status);
  return result->status == 0 ? kExitValid : kExitInvalid;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"radloop — simulation and conformance test harness for radiology integration"};
  app.require_subcommand(1);
  // Scenario runs report refusals as results, not as log noise; the daemon logs what it does.
  std::string log_level;
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error (default: error for run, info otherwise)");

  auto* run = app.add_subcommand("run", "Run scenario files against the in-process reference pipeline");
  std::vector<std::string> files;
  std::string report_path;
  std::string history_path;
  bool quiet = false;
  run->add_option("scenarios", files, "Scenario files, or folders of them")->required();
  run->add_option("--report", report_path,
                  "Where to write the JSON report (default <scenario>-report.json); with several scenarios, a folder");
  run->add_option("--history", history_path, "Also write the history as JSON lines");
  run->add_flag("-q,--quiet", quiet, "Print only the summary");
  std::vector<std::string> breaks;
  std::string defects;
  for (const auto& s : pipeline::sabotage_switches()) defects += fmt::format("\n  {:<27}{}", s.name, s.sentence);
  run->add_option("--break", breaks,
                  "Break the reference pipeline on purpose, to see a scenario catch it (repeatable):" + defects);
  std::string sut = "reference";
  run->add_option("--sut", sut,
                  "The system under test: reference (the pipeline, in this process) or an endpoints file describing "
                  "one that runs elsewhere (see harness/endpoints.example.yaml)")
      ->capture_default_str();
  double max_wait = 0;
  run->add_option("--max-wait", max_wait, "Wait at most this many seconds for anything, whatever the scenario allows")
      ->check(CLI::Range(0.0, 3600.0));
  std::string html_path;
  std::string junit_path;
  run->add_option("--html", html_path, "Also write an HTML report of every scenario run (one page, self-contained)");
  run->add_option("--junit", junit_path, "Also write a JUnit XML report of every scenario run");

  auto* list = app.add_subcommand("list", "List the scenarios in files or folders (default: scenarios)");
  std::vector<std::string> list_paths{"scenarios"};
  list->add_option("paths", list_paths, "Scenario files, or folders of them");

  auto* explain = app.add_subcommand("explain", "Say in words what a scenario does and expects");
  std::string explain_path;
  explain->add_option("scenario", explain_path, "A scenario file")->required();

  auto* pipe = app.add_subcommand("pipeline", "Run the reference pipeline until SIGINT/SIGTERM");
  cli::DaemonConfig daemon;
  auto& config = daemon.pipeline;
  std::optional<Error> config_error;
  // The file is read where it stands on the command line; options after it override it.
  pipe->add_option_function<std::string>(
          "--config",
          [&](const std::string& path) {
            if (auto loaded = cli::load_daemon_config(path, daemon); !loaded) config_error = loaded.error();
          },
          "pipeline.yaml: store, listeners, portal, routing, matching, delivery")
      ->check(CLI::ExistingFile)
      ->trigger_on_parse();
  pipe->add_option("--bind", config.mllp.bind_address, "Address to listen on")->capture_default_str();
  pipe->add_option("--mllp-port", config.mllp.port, "MLLP port (0 = ephemeral)")->capture_default_str();
  pipe->add_option("--store", config.store_path, "SQLite file (:memory: keeps nothing)")->capture_default_str();
  std::string ris_address;
  std::string ehr_address;
  pipe->add_option("--ris", ris_address, "Where orders and status updates go, host:port (MLLP)");
  pipe->add_option("--ehr", ehr_address, "Where reports go, host:port (MLLP)");
  pipe->add_option("--http-port", daemon.portal.port, "Portal port (0 = ephemeral)")->capture_default_str();
  pipe->add_option("--token", daemon.portal.token, "Bearer token the portal requires (needed off loopback)");
  bool no_portal = false;
  pipe->add_flag("--no-portal", no_portal, "Do not serve the portal");
  cli::add_dicom_server_options(*pipe, config.dicom, daemon.dicom_options);

  auto* echo = app.add_subcommand("echo", "C-ECHO a DICOM peer");
  dicom::EchoRequest request;
  echo->add_option("--host", request.host)->capture_default_str();
  echo->add_option("--port", request.port)->required();
  echo->add_option("--called-ae", request.called_ae)->capture_default_str();
  echo->add_option("--calling-ae", request.calling_ae)->capture_default_str();

  auto* sim = app.add_subcommand("sim", "Run a simulator against a system under test");
  sim->require_subcommand(1);
  cli::SimModalityCommand sim_modality(*sim);
  cli::SimHl7Command sim_hl7(*sim);

  app.add_subcommand("version", "Print the version");

  CLI11_PARSE(app, argc, argv);
  // Logs go to stderr; stdout carries results (and the daemon's "ready" line) for scripts.
  spdlog::set_default_logger(spdlog::stderr_color_mt("radloop"));
  if (log_level.empty()) log_level = run->parsed() ? "error" : "info";
  spdlog::set_level(spdlog::level::from_str(log_level));

  if (run->parsed()) {
    RunArgs args;
    args.paths = files;
    args.report_path = report_path;
    args.history_path = history_path;
    args.html_path = html_path;
    args.junit_path = junit_path;
    args.quiet = quiet;
    args.breaks = breaks;
    args.max_wait = max_wait;
    args.sut = sut;
    return run_command(args);
  }
  if (list->parsed()) return list_command(list_paths);
  if (explain->parsed()) {
    auto scenario = harness::load_scenario(explain_path);
    if (!scenario) {
      std::cerr << "radloop: " << scenario.error().message() << '\n';
      return kExitError;
    }
    std::cout << harness::explain(*scenario);
    return kExitValid;
  }
  if (pipe->parsed()) {
    if (config_error) {
      std::cerr << "radloop: " << config_error->message() << '\n';
      return kExitError;
    }
    if (pipe->count("--bind") > 0) {
      config.dicom.bind_address = config.mllp.bind_address;
      daemon.portal.bind_address = config.mllp.bind_address;
    }
    if (no_portal) daemon.portal.enabled = false;
    for (const auto& [text, option, application, target] : {std::tuple{ris_address, "--ris", "RIS", &config.flows.ris},
                                                            {ehr_address, "--ehr", "EHR", &config.flows.ehr}}) {
      if (text.empty()) continue;
      auto d = destination_from(text, option, application);
      if (!d) {
        std::cerr << "radloop: " << d.error().message() << '\n';
        return kExitError;
      }
      *target = *d;
    }
    if (auto applied = cli::apply(daemon.dicom_options, config.dicom); !applied) {
      std::cerr << "radloop: " << applied.error().message() << '\n';
      return kExitError;
    }
    return pipeline_command(std::move(daemon));
  }
  if (echo->parsed()) return echo_command(request);
  if (sim_modality.parsed()) return sim_modality.run();
  if (sim_hl7.parsed()) return sim_hl7.run();
  std::cout << "radloop " << RADLOOP_VERSION << '\n';
  return kExitValid;
}
