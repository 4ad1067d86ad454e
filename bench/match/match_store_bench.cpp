// Matching decisions against 1 M open orders kept in the SQLite store, read through a unit of
// work as the pipeline does (TxOrderIndex): decisions per second and p50 / p99 of one decision.
#include <unistd.h>

#include <filesystem>
#include <memory>

#include "bench/match/match_cases.hpp"
#include "reference/pipeline/flow_support.hpp"
#include "reference/store/sqlite_store.hpp"

namespace {

namespace store = radloop::store;
using namespace radloop::bench;  // NOLINT: the shared cases

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
          o.modality = modality_of(i);
          o.scheduled = date_of(i);
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

void run(benchmark::State& state, bool exact) {
  // One read unit for the whole run, as a batch of arrivals would be decided.
  auto read = orders().read([&](store::Tx& tx) -> radloop::Result<void> {
    radloop::pipeline::support::TxOrderIndex index(tx);
    time_decisions(state, index, exact);
    if (index.failed()) return *index.failed();
    return {};
  });
  if (!read) state.SkipWithError(read.error().message().c_str());
}

void BM_DecideInStore_Exact(benchmark::State& state) { run(state, true); }
void BM_DecideInStore_NearMiss(benchmark::State& state) { run(state, false); }

BENCHMARK(BM_DecideInStore_Exact);
BENCHMARK(BM_DecideInStore_NearMiss);

}  // namespace

BENCHMARK_MAIN();
