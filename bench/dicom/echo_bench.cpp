// Association + C-ECHO + release, round trip on loopback: our SCP against DCMTK's storescp,
// both driven by the same C-ECHO user in the same run, and the ratio printed at the end.
#include <benchmark/benchmark.h>
#include <fmt/format.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "reference/dicom/echo_scu.hpp"
#include "reference/dicom/server.hpp"

extern char** environ;

namespace {

using radloop::dicom::echo;
using radloop::dicom::EchoRequest;

void run_echo(benchmark::State& state, std::uint16_t port, const std::string& called) {
  for (auto _ : state) {
    auto r = echo(EchoRequest{"127.0.0.1", port, "BENCH", called});
    if (!r || r->status != 0) {
      state.SkipWithError(r ? "non-success status" : r.error().message().c_str());
      break;
    }
  }
  state.SetItemsProcessed(state.iterations());
}

// DCMTK's storescp as the peer; it cannot report an ephemeral port, so take a free one.
struct Storescp {
  pid_t pid = -1;
  std::uint16_t port = 0;
  Storescp() {
    auto probe = radloop::dicom::Server::start({});
    port = probe.value()->port();
    probe.value()->stop();
    probe.value().reset();  // the port is free again for storescp
    const auto port_text = std::to_string(port);
    std::vector<const char*> argv{"storescp", "-aet", "PEER", "-od", "/tmp", port_text.c_str(), nullptr};
    if (posix_spawnp(&pid, "storescp", nullptr, nullptr, const_cast<char**>(argv.data()), environ) != 0) pid = -1;
    for (int i = 0; i < 200 && pid > 0; ++i) {  // wait until it answers
      if (echo(EchoRequest{"127.0.0.1", port, "BENCH", "PEER"})) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  ~Storescp() {
    if (pid > 0) {
      kill(pid, SIGTERM);
      waitpid(pid, nullptr, 0);
    }
  }
  Storescp(const Storescp&) = delete;
  Storescp& operator=(const Storescp&) = delete;
};

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  auto ours = radloop::dicom::Server::start({});
  if (!ours) {
    fmt::print(stderr, "cannot start the radloop SCP: {}\n", ours.error().message());
    return 1;
  }
  Storescp peer;
  if (peer.pid < 0) {
    fmt::print(stderr, "cannot start storescp (install dcmtk: ci/setup.sh)\n");
    return 1;
  }
  const auto our_port = ours.value()->port();
  benchmark::RegisterBenchmark("BM_Echo/radloop_scp", [&](benchmark::State& s) {
    run_echo(s, our_port, "RADLOOP");
  })->UseRealTime();
  benchmark::RegisterBenchmark("BM_Echo/dcmtk_storescp", [&](benchmark::State& s) {
    run_echo(s, peer.port, "PEER");
  })->UseRealTime();

  // Collect real time per iteration of each, to print the ratio after the table.
  class Collector : public benchmark::ConsoleReporter {
   public:
    double ours_ns = 0, peer_ns = 0;
    void ReportRuns(const std::vector<Run>& runs) override {
      for (const auto& run : runs) {
        if (run.error_occurred) continue;
        const double ns = run.GetAdjustedRealTime();
        if (run.benchmark_name().find("radloop_scp") != std::string::npos) ours_ns = ns;
        if (run.benchmark_name().find("dcmtk_storescp") != std::string::npos) peer_ns = ns;
      }
      ConsoleReporter::ReportRuns(runs);
    }
  } reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  if (reporter.ours_ns > 0 && reporter.peer_ns > 0) {
    fmt::print(
        "association+C-ECHO+release: radloop {:.0f} us, storescp {:.0f} us, ratio radloop/storescp = {:.2f}"
        " (below 1 is faster)\n",
        reporter.ours_ns / 1000, reporter.peer_ns / 1000, reporter.ours_ns / reporter.peer_ns);
  }
  benchmark::Shutdown();
  return 0;
}
