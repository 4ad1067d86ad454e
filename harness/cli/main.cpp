// The radloop command line: one binary for running scenarios, the pipeline and the tools.
#include <fmt/format.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <CLI/CLI.hpp>

#include <csignal>

#include <charconv>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "harness/catalog.hpp"
#include "harness/cli/certify_command.hpp"
#include "harness/cli/dicom_options.hpp"
#include "harness/cli/exit_codes.hpp"
#include "harness/cli/pipeline_config.hpp"
#include "harness/cli/run_command.hpp"
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

// A token file is a password file: say so when others may read it (as ssh does for keys).
void warn_if_others_can_read(const std::string& path) {
  struct stat info {};
  if (path.empty() || ::stat(path.c_str(), &info) != 0) return;
  if ((info.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    spdlog::warn("portal: the token file {} can be read by other users (mode {:o}); chmod 600 it", path,
                 info.st_mode & 0777U);
  }
}

int pipeline_command(cli::DaemonConfig config) {
  // Block the stop signals before any thread starts, then wait for one of them here.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  // The portal's configuration, tokens included, is read and judged before anything starts
  // listening: a daemon that would stop for it must not take messages first.
  portal::HttpServerConfig http_config;
  if (config.portal.enabled) {
    http_config.bind_address = config.portal.bind_address;
    http_config.port = config.portal.port;
    http_config.read_timeout = config.portal.read_timeout;
    http_config.request_timeout = config.portal.request_timeout;
    http_config.max_connections_per_peer = config.portal.max_connections_per_address;
    http_config.tls = config.portal.tls;
    auto read = cli::portal_credentials(config.portal, std::getenv("RADLOOP_PORTAL_TOKEN"));
    if (!read) {
      std::cerr << "radloop: " << read.error().message() << '\n';
      return kExitError;
    }
    http_config.credentials = std::move(read).value();
    if (auto checked = portal::check_config(http_config); !checked) {
      std::cerr << "radloop: " << checked.error().message() << '\n';
      return kExitError;
    }
    warn_if_others_can_read(config.portal.token_file);
  }
  auto started = pipeline::Pipeline::start(std::move(config.pipeline));
  if (!started) {
    std::cerr << "radloop: " << started.error().message() << '\n';
    return kExitError;
  }
  auto& p = *started.value();
  std::unique_ptr<portal::Portal> http;
  if (config.portal.enabled) {
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
      "stopped: {} HL7 accepted ({} duplicates), {} rejected ({} reusing a control ID), {} errors, {} refused; {} "
      "C-ECHO answered; {} instances "
      "stored ({} duplicates, {} conflicts, {} failed), {} indexed; {} commitment requests; {} queries; {} MPPS "
      "created, {} updated; delivered {} to the RIS, {} to the EHR ({} dead letters)\n",
      s.hl7_accepted, s.hl7_duplicates, s.hl7_rejected + s.hl7_control_id_reused, s.hl7_control_id_reused, s.hl7_errors,
      s.hl7_refused, s.dicom.echoes_answered, s.dicom.instances_stored, s.dicom.duplicates, s.dicom.conflicts,
      s.dicom.store_failures, s.instances_indexed, s.dicom.commitment_requests, s.dicom.queries, s.dicom.mpps_created,
      s.dicom.mpps_updated, s.ris.delivered, s.ehr.delivered, s.ris.dead_letters + s.ehr.dead_letters);
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

  cli::RunCommand run(app);
  cli::CertifyCommand certify(app, RADLOOP_VERSION);

  auto* list = app.add_subcommand("list", "List the scenarios in files or folders (default: scenarios)");
  std::vector<std::string> list_paths{"scenarios"};
  list->add_option("paths", list_paths, "Scenario files, or folders of them");

  auto* explain = app.add_subcommand("explain", "Say in words what a scenario does and expects");
  std::string explain_path;
  explain->add_option("scenario", explain_path, "A scenario file")->required();

  auto* pipe = app.add_subcommand("pipeline", "Run the reference pipeline until SIGINT/SIGTERM");
  cli::DaemonConfig daemon;
  auto& config = daemon.pipeline;
  // No store given: a file (see below), never memory, which would answer AA and keep nothing.
  config.store_path.clear();
  std::filesystem::path config_dir;
  std::optional<Error> config_error;
  // The file is read where it stands on the command line; options after it override it.
  pipe->add_option_function<std::string>(
          "--config",
          [&](const std::string& path) {
            config_dir = std::filesystem::path(path).parent_path();
            if (auto loaded = cli::load_daemon_config(path, daemon); !loaded) config_error = loaded.error();
          },
          "pipeline.yaml: store, listeners, portal, routing, matching, delivery")
      ->check(CLI::ExistingFile)
      ->trigger_on_parse();
  pipe->add_option("--bind", config.mllp.bind_address, "Address to listen on")->capture_default_str();
  pipe->add_option("--mllp-port", config.mllp.port, "MLLP port (0 = ephemeral)")->capture_default_str();
  pipe->add_option("--store", config.store_path,
                   "SQLite file; default radloop.db beside --config, else in the working directory; :memory: "
                   "keeps nothing and is for tests only");
  pipe->add_option_function<std::uint64_t>(
          "--store-max-mb", [&](std::uint64_t megabytes) { config.store.max_bytes = megabytes << 20; },
          "Past this size (MiB) the store refuses writes and keeps what it has; 0 = only the disk's limit")
      ->check(CLI::Range(std::uint64_t{0}, std::uint64_t{1} << 40));
  std::string ris_address;
  std::string ehr_address;
  pipe->add_option("--ris", ris_address, "Where orders and status updates go, host:port (MLLP)");
  pipe->add_option("--ehr", ehr_address, "Where reports go, host:port (MLLP)");
  pipe->add_option("--http-port", daemon.portal.port, "Portal port (0 = ephemeral)")->capture_default_str();
  pipe->add_option("--token-file", daemon.portal.token_file,
                   "File of portal tokens, one \"holder token\" per line (a token alone is held by \"token\"); "
                   "audits name the holder")
      ->check(CLI::ExistingFile);
  pipe->add_option("--token", daemon.portal.token,
                   "One portal token, at least 16 characters (visible in ps: prefer --token-file or "
                   "RADLOOP_PORTAL_TOKEN)");
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
  if (log_level.empty()) log_level = run.parsed() || certify.parsed() ? "error" : "info";
  spdlog::set_level(spdlog::level::from_str(log_level));

  if (run.parsed()) return run.run();
  if (certify.parsed()) return certify.run();
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
    if (config.store_path.empty()) config.store_path = (config_dir / "radloop.db").string();
    if (config.store_path == ":memory:") {
      spdlog::warn(
          "pipeline: the store is in memory (--store :memory:): everything acknowledged is lost when the daemon "
          "stops; use it for tests only");
    }
    for (const auto& [text, option, application, target] : {std::tuple{ris_address, "--ris", "RIS", &config.flows.ris},
                                                            {ehr_address, "--ehr", "EHR", &config.flows.ehr}}) {
      if (text.empty()) continue;
      auto d = destination_from(text, option, application);
      if (!d) {
        std::cerr << "radloop: " << d.error().message() << '\n';
        return kExitError;
      }
      if (*target) {
        // The command line moves a destination pipeline.yaml describes; its TLS, application,
        // facility and timeout stay as written there.
        (*target)->host = d->host;
        (*target)->port = d->port;
        if ((*target)->application.empty()) (*target)->application = d->application;
      } else {
        *target = *d;
      }
    }
    for (const auto& [name, destination] : {std::pair{"ris", config.flows.ris}, {"ehr", config.flows.ehr}}) {
      if (destination && destination->tls && !destination->tls->verify_peer) {
        spdlog::warn(
            "pipeline: routing.{}.tls.verify is false: {}:{} is not checked to be who it says (any certificate, "
            "no name); for tests only",
            name, destination->host, destination->port);
      }
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
