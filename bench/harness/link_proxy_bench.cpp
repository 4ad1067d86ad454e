// What the harness's fault proxy (harness/link) costs a link it stands on: MLLP round trips of a
// ~1 KiB message straight to our MLLP server, and through the proxy with no fault and with a
// slice fault (64-byte writes). The direct link is the peer measured in the same run; the ratios
// say how far the proxy itself bends the figures a scenario reports.
#include <benchmark/benchmark.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <map>
#include <memory>
#include <string>

#include "bench/mllp/sample_message.hpp"
#include "harness/link/proxy.hpp"
#include "reference/mllp/client.hpp"
#include "reference/mllp/server.hpp"

namespace {

using radloop::harness::link::Direction;
using radloop::harness::link::FaultSpec;
using radloop::harness::link::Proxy;
using radloop::mllp::Client;
using radloop::mllp::ClientConfig;
using radloop::mllp::Server;

using radloop::bench::sample_message;

Server& server() {
  static const auto instance = [] {
    spdlog::set_level(spdlog::level::warn);
    return Server::start({}, [](const radloop::mllp::InboundMessage&) { return std::string("MSA|AA|BENCH0001"); })
        .value();
  }();
  return *instance;
}

// One proxy per kind, started once: 0 none (direct), 1 plain, 2 slicing into 64-byte writes.
std::uint16_t port_for(int kind) {
  static std::map<int, std::unique_ptr<Proxy>> proxies;
  if (kind == 0) return server().port();
  auto& proxy = proxies[kind];
  if (!proxy) {
    proxy = Proxy::start("bench", "127.0.0.1", server().port()).value();
    if (kind == 2) {
      for (const auto direction : {Direction::upstream, Direction::downstream}) {
        FaultSpec slice;
        slice.name = direction == Direction::upstream ? "slice" : "slice.replies";
        slice.type = "slice";
        slice.direction = direction;
        slice.params = {{"bytes", "64"}};
        (void)proxy->add(slice);
      }
    }
  }
  return proxy->port();
}

void BM_LinkProxy_RoundTrip(benchmark::State& state) {
  auto client = Client::connect(ClientConfig{"127.0.0.1", port_for(static_cast<int>(state.range(0)))}).value();
  const auto message = sample_message();
  for (auto _ : state) {
    auto reply = client->exchange(message);
    if (!reply) {
      state.SkipWithError(reply.error().message().c_str());
      break;
    }
    benchmark::DoNotOptimize(reply);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetLabel(state.range(0) == 0 ? "direct" : state.range(0) == 1 ? "through the proxy" : "proxy, 64-byte slices");
}
BENCHMARK(BM_LinkProxy_RoundTrip)->Arg(0)->Arg(1)->Arg(2)->UseRealTime();

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  class Collector : public benchmark::ConsoleReporter {
   public:
    std::map<std::string, double> per_second;  // by label
    void ReportRuns(const std::vector<Run>& runs) override {
      for (const auto& run : runs) per_second[run.report_label] = run.counters.at("items_per_second");
      ConsoleReporter::ReportRuns(runs);
    }
  } reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  const auto direct = reporter.per_second["direct"];
  if (direct > 0) {
    for (const char* label : {"through the proxy", "proxy, 64-byte slices"}) {
      const auto proxied = reporter.per_second[label];
      if (proxied > 0) {
        fmt::print("{}: {:.0f} round trips/s, direct {:.0f}/s, ratio proxied/direct = {:.2f}\n", label, proxied, direct,
                   proxied / direct);
      }
    }
  }
  benchmark::Shutdown();
  return 0;
}
