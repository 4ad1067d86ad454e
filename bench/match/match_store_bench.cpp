// Matching decisions against 1 M open orders kept in the SQLite store, read through a unit of
// work as the pipeline does (TxOrderIndex): decisions per second and p50 / p99 of one decision.
#include <benchmark/benchmark.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <memory>
#include <random>
#include <vector>

#include "reference/pipeline/flow_support.hpp"
#include "reference/store/sqlite_store.hpp"

namespace {

namespace store = radloop::store;
using radloop::match::StudyView;

constexpr std::size_t kOrders = 1'000'000;

std::string accession_of(std::size_t i) { return fmt::format("ACC{:08}", i); }
std::string patient_of(std::size_t i) { return fmt::format("MRN{:07}", i / 3); }  // three orders a patient

// Built once per run in a temporary file, in batches of one transaction each.
store::SqliteStore& orders() {
  static const auto path =
      (std::filesystem::temp_directory_path() / fmt::format("radloop-match-bench-{}.db", ::getpid())).string();
  static const auto built = [] {
    auto s = store::SqliteStore::open(path).value();
    constexpr std::size_t kBatch = 50'000;
    for (std::size_t begin = 0; begin < kOrders; begin += kBatch) {
      auto done = s->write([&](store::Tx& tx) -> radloop::Result<void> {
        for (std::size_t i = begin; i < std::min(kOrders, begin + kBatch); ++i) {
          store::OrderRecord o;
          o.placer = fmt::format("P{}", i);
          o.accession = accession_of(i);
          o.patient_mrn = patient_of(i);
          o.patient_issuer = "GENERAL";
          o.modality = i % 2 ? "CT" : "MR";
          o.scheduled = fmt::format("2026{:02}{:02}", 1 + i % 12, 1 + i % 28);
          o.status = "SC";
          if (auto r = tx.put_order(o, "bench"); !r) return r;
        }
        return {};
      });
      if (!done) throw std::runtime_error(done.error().message());
    }
    std::atexit([] {
      std::error_code ec;
      for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix, ec);
    });
    return s;
  }();
  return *built;
}

StudyView study_for(std::size_t i, bool exact) {
  StudyView s{{patient_of(i), "GENERAL"},
              accession_of(i),
              "",
              i % 2 ? "CT" : "MR",
              fmt::format("2026{:02}{:02}", 1 + i % 12, 1 + i % 28),
              "CT_SCANNER_1"};
  if (!exact) std::swap(s.accession[4], s.accession[5]);  // a transposition: near miss, review
  return s;
}

void run(benchmark::State& state, bool exact) {
  auto& s = orders();
  std::mt19937_64 random(42);
  std::uniform_int_distribution<std::size_t> pick(0, kOrders - 1);
  std::vector<double> micros;
  micros.reserve(1 << 20);
  // One read unit for the whole run, as a batch of arrivals would be decided.
  auto read = s.read([&](store::Tx& tx) -> radloop::Result<void> {
    radloop::pipeline::support::TxOrderIndex index(tx);
    for (auto _ : state) {
      const auto study = study_for(pick(random), exact);
      const auto start = std::chrono::steady_clock::now();
      auto decision = radloop::match::decide(study, index);
      micros.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count());
      benchmark::DoNotOptimize(decision);
    }
    if (index.failed()) return *index.failed();
    return {};
  });
  if (!read) state.SkipWithError(read.error().message().c_str());
  std::sort(micros.begin(), micros.end());
  state.SetItemsProcessed(state.iterations());
  if (!micros.empty()) {
    state.counters["p50_us"] = micros[micros.size() / 2];
    state.counters["p99_us"] = micros[micros.size() * 99 / 100];
  }
}

void BM_DecideInStore_Exact(benchmark::State& state) { run(state, true); }
void BM_DecideInStore_NearMiss(benchmark::State& state) { run(state, false); }

BENCHMARK(BM_DecideInStore_Exact);
BENCHMARK(BM_DecideInStore_NearMiss);

}  // namespace

BENCHMARK_MAIN();
