// What both matching benchmarks decide: 1 M orders (three per patient), a study that matches one
// exactly or with a transposed accession, and the loop that times each decision.
#pragma once

#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "reference/match/rules.hpp"

namespace radloop::bench {

inline constexpr std::size_t kOrders = 1'000'000;

inline std::string accession_of(std::size_t i) { return fmt::format("ACC{:08}", i); }
inline std::string patient_of(std::size_t i) { return fmt::format("MRN{:07}", i / 3); }
inline std::string modality_of(std::size_t i) { return i % 2 ? "CT" : "MR"; }
inline std::string date_of(std::size_t i) { return fmt::format("2026{:02}{:02}", 1 + i % 12, 1 + i % 28); }

// The study for order i: exact, or with two digits of its accession swapped (a near miss).
inline match::StudyView study_for(std::size_t i, bool exact) {
  match::StudyView s{{patient_of(i), "GENERAL"}, accession_of(i), "", modality_of(i), date_of(i), "CT_SCANNER_1"};
  if (!exact) std::swap(s.accession[4], s.accession[5]);
  return s;
}

// Decides a random order's study per iteration, timing each; items/s and p50/p99 in µs.
inline void time_decisions(benchmark::State& state, const match::OrderIndex& orders, bool exact) {
  std::mt19937_64 random(42);
  std::uniform_int_distribution<std::size_t> pick(0, kOrders - 1);
  std::vector<double> micros;
  micros.reserve(1 << 20);
  for (auto _ : state) {
    const auto study = study_for(pick(random), exact);
    const auto start = std::chrono::steady_clock::now();
    auto decision = match::decide(study, orders);
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

}  // namespace radloop::bench
