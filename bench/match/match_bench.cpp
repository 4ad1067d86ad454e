// Matching decisions against 1 M open orders held in memory (MemoryOrderIndex): decisions per
// second for the common cases, and the p50 / p99 latency of one decision, measured one by one.
#include <memory>

#include "bench/match/match_cases.hpp"
#include "reference/match/memory_index.hpp"

namespace {

using namespace radloop::bench;  // NOLINT: the shared cases

const radloop::match::MemoryOrderIndex& index() {
  static const auto built = [] {
    auto orders = std::make_unique<radloop::match::MemoryOrderIndex>();
    for (std::size_t i = 0; i < kOrders; ++i) {
      orders->put({fmt::format("O{}", i), {patient_of(i), "GENERAL"}, accession_of(i), modality_of(i), date_of(i), ""});
    }
    return orders;
  }();
  return *built;
}

// Accession and patient agree: a link.
void BM_Decide_Exact(benchmark::State& state) { time_decisions(state, index(), true); }
// A transposed accession: no order has it, one of the patient's is one slip away.
void BM_Decide_NearMiss(benchmark::State& state) { time_decisions(state, index(), false); }

BENCHMARK(BM_Decide_Exact);
BENCHMARK(BM_Decide_NearMiss);

}  // namespace

BENCHMARK_MAIN();
