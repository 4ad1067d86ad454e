// Our C-STORE SCP as a process of its own, so the store benchmark measures its peak RSS the same
// way as storescp's and Orthanc's. Usage: bench_dicom_store_receiver DIR none|file|file_and_directory|pipeline AE
// "pipeline" runs the whole reference pipeline (durable files, SQLite index in DIR, reconciliation).
// Prints "port N" on stdout once listening; stops on SIGTERM/SIGINT or when stdin closes, then
// prints what it stored and the records it was handed on stderr.
#include <fmt/format.h>
#include <pthread.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <string>
#include <string_view>
#include <thread>

#include "reference/dicom/server.hpp"
#include "reference/pipeline/pipeline.hpp"

namespace {

using radloop::dicom::ServerConfig;

bool parse_durability(std::string_view text, ServerConfig::Durability& out) {
  if (text == "none")
    out = ServerConfig::Durability::none;
  else if (text == "file")
    out = ServerConfig::Durability::file;
  else if (text == "file_and_directory")
    out = ServerConfig::Durability::file_and_directory;
  else
    return false;
  return true;
}

// Runs until SIGTERM/SIGINT, or until stdin closes (the parent went away or is done).
void wait_for_stop(const sigset_t& stop_signals) {
  std::thread stdin_watch([] {
    char buffer[256];
    while (::read(STDIN_FILENO, buffer, sizeof buffer) > 0) {
    }
    ::kill(::getpid(), SIGTERM);
  });
  stdin_watch.detach();
  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
}

void announce(std::uint16_t port) {
  fmt::print("port {}\n", port);
  std::fflush(stdout);
  ::dup2(STDERR_FILENO, STDOUT_FILENO);  // the reader of the port may be gone; later output goes to stderr
}

int run_pipeline(const ServerConfig& dicom, const sigset_t& stop_signals) {
  radloop::pipeline::PipelineConfig config;
  config.dicom = dicom;
  config.dicom.durability = ServerConfig::Durability::file_and_directory;
  config.store_path = dicom.storage_dir + "/radloop.db";
  auto pipeline = radloop::pipeline::Pipeline::start(config);
  if (!pipeline) {
    fmt::print(stderr, "cannot start: {}\n", pipeline.error().message());
    return 1;
  }
  announce(pipeline.value()->dicom_port());
  wait_for_stop(stop_signals);
  pipeline.value()->stop();
  const auto stats = pipeline.value()->stats();
  fmt::print(stderr, "stored {} duplicates {} failures {} indexed {} index failures {} commits {}\n",
             stats.dicom.instances_stored, stats.dicom.duplicates, stats.dicom.store_failures, stats.instances_indexed,
             stats.index_failures, stats.store.commits);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  ServerConfig config;
  const bool pipeline = argc == 4 && std::string_view(argv[2]) == "pipeline";
  if (argc != 4 || (!pipeline && !parse_durability(argv[2], config.durability))) {
    fmt::print(stderr, "usage: {} STORAGE_DIR none|file|file_and_directory|pipeline AE_TITLE\n", argv[0]);
    return 2;
  }
  config.storage_dir = argv[1];
  config.ae_title = argv[3];
  config.offer_mpps = false;
  // Warnings and errors only, as storescp and Orthanc run by default; stdout carries the port.
  spdlog::set_level(spdlog::level::warn);

  // Blocked before any thread starts, so only sigwait below ever takes them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  if (pipeline) return run_pipeline(config, stop_signals);

  // The records are produced and kept track of, as an indexer would; counting is the cheap part.
  std::atomic<std::uint64_t> records{0};
  std::atomic<std::uint64_t> record_bytes{0};
  auto server = radloop::dicom::Server::start(config, {}, [&](const radloop::dicom::InstanceRecord& r) {
    records.fetch_add(1, std::memory_order_relaxed);
    record_bytes.fetch_add(r.size_bytes, std::memory_order_relaxed);
    return radloop::Result<void>{};
  });
  if (!server) {
    fmt::print(stderr, "cannot start: {}\n", server.error().message());
    return 1;
  }
  announce(server.value()->port());
  wait_for_stop(stop_signals);
  server.value()->stop();
  const auto stats = server.value()->stats();
  fmt::print(stderr, "stored {} duplicates {} failures {} records {} bytes {}\n", stats.instances_stored,
             stats.duplicates, stats.store_failures, records.load(), record_bytes.load());
  return 0;
}
