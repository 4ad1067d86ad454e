// Reports through the whole pipeline with durability on: ORU^R01 in over MLLP (logged, tied to
// its order and queued in one SQLite transaction before the ACK), then delivered to an EHR that
// ACKs. Counters: ACKed messages/s and delivered messages/s; p50 / p99 of the ACK latency and of
// the end-to-end latency (sent by the RIS -> received by the EHR), in milliseconds.
//
// Run: build/release/bench/bench_pipeline_oru [--benchmark_filter=...]
//   TMPDIR picks the file system the store is on (its flushes are what durability costs).
#include <benchmark/benchmark.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "reference/hl7/ack.hpp"
#include "reference/hl7/parser.hpp"
#include "reference/mllp/client.hpp"
#include "reference/mllp/server.hpp"
#include "reference/pipeline/pipeline.hpp"

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using radloop::pipeline::Pipeline;

constexpr int kAccessions = 2000;

std::string ris_order(int n) {
  return fmt::format(
      "MSH|^~\\&|RIS|RADIOLOGY|RADLOOP|RAD|20261122080000||ORM^O01|R{0}|P|2.5.1\r"
      "PID|1||MRN{0}^^^GENERAL^MR||DOE^JANE||19800101|F\r"
      "ORC|SC|P{0}|ACC{0}||SC\r"
      "OBR|1|P{0}|ACC{0}|71250^CT CHEST^CPT4||||||||||||||ACC{0}||||||CT\r",
      n);
}

std::string oru(int n, int version, const char* status) {
  return fmt::format(
      "MSH|^~\\&|RIS|RADIOLOGY|RADLOOP|RAD|20261122100000||ORU^R01|U{0}-{1}|P|2.5.1\r"
      "PID|1||MRN{0}^^^GENERAL^MR||DOE^JANE||19800101|F\r"
      "ORC|RE|P{0}|ACC{0}||CM\r"
      "OBR|1|P{0}|ACC{0}|71250^CT CHEST^CPT4|||20261122090000|||||||||||ACC{0}||||20261122100000||CT|{2}\r"
      "OBX|1|TX|FIND^Findings||Lungs are clear.~No effusion.~Heart size normal.||||||{2}\r"
      "OBX|2|TX|IMP^Impression||No acute cardiopulmonary process.||||||{2}\r",
      n, version, status);
}

// The EHR: ACKs everything and notes when each report (by accession and version) arrived.
struct Ehr {
  std::mutex mutex;
  std::map<std::string, Clock::time_point> arrived;
  std::unique_ptr<radloop::mllp::Server> server;
  Ehr() {
    server = radloop::mllp::Server::start({}, [this](const radloop::mllp::InboundMessage& in) {
               auto message = radloop::hl7::parse(in.payload).value();
               const auto key = message.get("OBR-18").value() + "/" + message.get("OBR-25").value() + "/";
               {
                 std::lock_guard lock(mutex);
                 arrived.emplace(key, Clock::now());
               }
               return radloop::hl7::build_ack(message, radloop::hl7::Outcome::accepted, {}, {"A", "20260101", ""})
                   .serialize();
             }).value();
  }
  std::size_t count() {
    std::lock_guard lock(mutex);
    return arrived.size();
  }
};

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[static_cast<std::size_t>(p * static_cast<double>(v.size() - 1))];
}

void BM_OruThroughPipeline(benchmark::State& state) {
  spdlog::set_level(spdlog::level::warn);
  const int senders = static_cast<int>(state.range(0));
  const auto dir = fs::temp_directory_path() / fmt::format("radloop-oru-bench-{}-{}", ::getpid(), senders);
  fs::remove_all(dir);
  fs::create_directories(dir);
  Ehr ehr;
  radloop::pipeline::PipelineConfig config;
  config.store_path = (dir / "radloop.db").string();
  config.flows.ehr = radloop::pipeline::Destination{"127.0.0.1", ehr.server->port(), "EHR", "GENERAL",
                                                    std::chrono::milliseconds(10'000)};
  auto pipeline = Pipeline::start(config).value();
  {
    auto client = radloop::mllp::Client::connect({"127.0.0.1", pipeline->mllp_port()}).value();
    for (int n = 0; n < kAccessions; ++n) (void)client->exchange(ris_order(n)).value();
  }

  const char* statuses[] = {"P", "F", "C"};
  int round = 0;
  std::vector<double> ack_ms;
  std::vector<double> end_to_end_ms;
  double acked_per_s = 0;
  double delivered_per_s = 0;
  for (auto _ : state) {
    const char* status = statuses[round % 3];
    const int version = round++;
    const auto before = ehr.count();
    std::vector<std::vector<std::pair<std::string, Clock::time_point>>> sent(static_cast<std::size_t>(senders));
    std::vector<std::vector<double>> acks(static_cast<std::size_t>(senders));
    std::atomic<int> failures{0};
    const auto start = Clock::now();
    std::vector<std::thread> threads;
    for (int s = 0; s < senders; ++s) {
      threads.emplace_back([&, s] {
        auto client = radloop::mllp::Client::connect({"127.0.0.1", pipeline->mllp_port()}).value();
        for (int n = s; n < kAccessions; n += senders) {
          const auto t0 = Clock::now();
          auto reply = client->exchange(oru(n, version, status));
          const auto t1 = Clock::now();
          if (!reply || radloop::hl7::read_ack(*reply).value().code != "AA") ++failures;
          acks[static_cast<std::size_t>(s)].push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
          sent[static_cast<std::size_t>(s)].emplace_back(fmt::format("ACC{}/{}/", n, status), t0);
        }
      });
    }
    for (auto& t : threads) t.join();
    const auto acked = Clock::now();
    while (ehr.count() < before + kAccessions) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    const auto delivered = Clock::now();
    if (failures > 0) {
      state.SkipWithError("some ORUs were not ACKed AA");
      break;
    }
    state.SetIterationTime(std::chrono::duration<double>(delivered - start).count());
    acked_per_s = kAccessions / std::chrono::duration<double>(acked - start).count();
    delivered_per_s = kAccessions / std::chrono::duration<double>(delivered - start).count();
    std::lock_guard lock(ehr.mutex);
    for (std::size_t s = 0; s < sent.size(); ++s) {
      ack_ms.insert(ack_ms.end(), acks[s].begin(), acks[s].end());
      for (const auto& [key, t0] : sent[s]) {
        end_to_end_ms.push_back(std::chrono::duration<double, std::milli>(ehr.arrived.at(key) - t0).count());
      }
    }
    // Each round adds one version per accession: C after F after P, as a day of corrections would.
    ehr.arrived.clear();
  }
  state.SetItemsProcessed(state.iterations() * kAccessions);
  state.counters["acked_per_s"] = acked_per_s;
  state.counters["delivered_per_s"] = delivered_per_s;
  state.counters["ack_p50_ms"] = percentile(ack_ms, 0.50);
  state.counters["ack_p99_ms"] = percentile(ack_ms, 0.99);
  state.counters["e2e_p50_ms"] = percentile(end_to_end_ms, 0.50);
  state.counters["e2e_p99_ms"] = percentile(end_to_end_ms, 0.99);
  const auto stats = pipeline->stats();
  state.counters["units_per_commit"] =
      stats.store.commits == 0 ? 0 : static_cast<double>(stats.store.units) / static_cast<double>(stats.store.commits);
  pipeline.reset();
  fs::remove_all(dir);
}

BENCHMARK(BM_OruThroughPipeline)
    ->Arg(1)
    ->Arg(4)
    ->Arg(16)
    ->Iterations(3)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
