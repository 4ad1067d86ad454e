// Matching decisions against 1 M open orders held in memory (MemoryOrderIndex): decisions per
// second for the common cases, and the p50 / p99 latency of one decision, measured one by one.
#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <random>
#include <vector>

#include "reference/match/memory_index.hpp"
#include "reference/match/rules.hpp"

namespace {

using radloop::match::MemoryOrderIndex;
using radloop::match::OrderView;
using radloop::match::StudyView;

constexpr std::size_t kOrders = 1'000'000;

std::string accession_of(std::size_t i) { return fmt::format("ACC{:08}", i); }
std::string patient_of(std::size_t i) { return fmt::format("MRN{:07}", i / 3); }  // three orders a patient

const MemoryOrderIndex& index() {
  static const auto built = [] {
    auto orders = std::make_unique<MemoryOrderIndex>();
    for (std::size_t i = 0; i < kOrders; ++i) {
      orders->put(OrderView{fmt::format("O{}", i),
                            {patient_of(i), "GENERAL"},
                            accession_of(i),
                            i % 2 ? "CT" : "MR",
                            fmt::format("2026{:02}{:02}", 1 + i % 12, 1 + i % 28),
                            ""});
    }
    return orders;
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
  const auto& orders = index();
  std::mt19937_64 random(42);
  std::uniform_int_distribution<std::size_t> pick(0, kOrders - 1);
  std::vector<double> micros;
  micros.reserve(1 << 20);
  for (auto _ : state) {
    const auto study = study_for(pick(random), exact);
    const auto start = std::chrono::steady_clock::now();
    auto decision = radloop::match::decide(study, orders);
    micros.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count());
    benchmark::DoNotOptimize(decision);
  }
  std::sort(micros.begin(), micros.end());
  state.SetItemsProcessed(state.iterations());
  if (!micros.empty()) {
    state.counters["p50_us"] = micros[micros.size() / 2];
    state.counters["p99_us"] = micros[micros.size() * 99 / 100];
  }
}

// Accession and patient agree: a link.
void BM_Decide_Exact(benchmark::State& state) { run(state, true); }
// A transposed accession: no order has it, one of the patient's is one slip away.
void BM_Decide_NearMiss(benchmark::State& state) { run(state, false); }

BENCHMARK(BM_Decide_Exact);
BENCHMARK(BM_Decide_NearMiss);

}  // namespace

BENCHMARK_MAIN();
