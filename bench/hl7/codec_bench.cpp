// HL7 codec throughput on one core over a realistic radiology mix, with python-hl7's
// hl7.parse on the same messages measured in the same run and the ratio printed.
#include <benchmark/benchmark.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "bench/hl7/radiology_mix.hpp"
#include "reference/hl7/parser.hpp"
#include "reference/hl7/validate.hpp"

namespace {

using radloop::hl7::Message;

const std::vector<std::string>& mix() {
  static const auto messages = radloop::bench::radiology_mix();
  return messages;
}

std::size_t mix_bytes() {
  std::size_t n = 0;
  for (const auto& m : mix()) n += m.size();
  return n;
}

void BM_Parse(benchmark::State& state) {
  for (auto _ : state) {
    for (const auto& text : mix()) {
      auto m = radloop::hl7::parse(text);
      benchmark::DoNotOptimize(m);
    }
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * mix_bytes()));
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * mix().size()));
}

void BM_ParseValidate(benchmark::State& state) {
  for (auto _ : state) {
    for (const auto& text : mix()) {
      auto m = radloop::hl7::parse(text);
      auto issues = radloop::hl7::validate(m.value());
      benchmark::DoNotOptimize(issues);
    }
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * mix_bytes()));
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * mix().size()));
}

// Parse, then decode every component of every repetition of every field: the whole tree
// python-hl7 builds (which it does not unescape).
void BM_ParseAndDecodeEverything(benchmark::State& state) {
  for (auto _ : state) {
    for (const auto& text : mix()) {
      auto m = radloop::hl7::parse(text).value();
      const char component = m.delimiters().component;
      for (std::size_t s = 0; s < m.size(); ++s) {
        for (std::size_t f = 1; f <= m.field_count(s); ++f) {
          const auto field = m.field(s, f);
          const auto reps = m.repetition_count(s, f);
          for (std::size_t r = 1; r <= reps; ++r) {
            const auto rep = radloop::hl7::element(field, m.delimiters(), r, 0, 0);
            const auto components = static_cast<std::size_t>(std::count(rep.begin(), rep.end(), component)) + 1;
            for (std::size_t c = 1; c <= components; ++c) benchmark::DoNotOptimize(m.value(s, f, r, c));
          }
        }
      }
    }
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * mix_bytes()));
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * mix().size()));
}

void BM_Serialize(benchmark::State& state) {
  std::vector<Message> parsed;
  for (const auto& text : mix()) parsed.push_back(radloop::hl7::parse(text).value());
  for (auto _ : state) {
    for (const auto& m : parsed) benchmark::DoNotOptimize(m.serialize());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * mix_bytes()));
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * mix().size()));
}

BENCHMARK(BM_Parse);
BENCHMARK(BM_ParseValidate);
BENCHMARK(BM_ParseAndDecodeEverything);
BENCHMARK(BM_Serialize);

// python-hl7 on the same messages, timed inside the interpreter; returns MB/s or 0.
double python_hl7_mb_per_s() {
  const auto path = std::filesystem::temp_directory_path() / fmt::format("radloop-mix-{}.hl7", getpid());
  {
    std::ofstream out(path, std::ios::binary);
    for (const auto& m : mix()) out << m << '\x1c';
  }
  const auto script = fmt::format(
      "import hl7, time\n"
      "msgs = [m for m in open('{}', newline='', encoding='latin-1').read().split('\\x1c') if m]\n"
      "size = sum(len(m) for m in msgs)\n"
      "n = 0; start = time.perf_counter()\n"
      "while time.perf_counter() - start < 2.0:\n"
      "    for m in msgs: hl7.parse(m)\n"
      "    n += 1\n"
      "print(n * size / (time.perf_counter() - start) / 1e6)\n",
      path.string());
  const auto command = fmt::format("/usr/bin/python3 -c \"{}\"", script);
  double mb = 0;
  if (FILE* p = popen(command.c_str(), "r")) {
    if (std::fscanf(p, "%lf", &mb) != 1) mb = 0;
    pclose(p);
  }
  std::filesystem::remove(path);
  return mb;
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  class Collector : public benchmark::ConsoleReporter {
   public:
    double parse_bytes_per_s = 0;
    void ReportRuns(const std::vector<Run>& runs) override {
      for (const auto& run : runs) {
        if (run.benchmark_name() == "BM_Parse") parse_bytes_per_s = run.counters.at("bytes_per_second");
      }
      ConsoleReporter::ReportRuns(runs);
    }
  } reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  fmt::print("mix: {} messages, {} bytes ({:.0f} bytes average)\n", mix().size(), mix_bytes(),
             static_cast<double>(mix_bytes()) / static_cast<double>(mix().size()));
  const double peer = python_hl7_mb_per_s();
  if (peer > 0 && reporter.parse_bytes_per_s > 0) {
    fmt::print("parse: radloop {:.0f} MB/s, python-hl7 {:.2f} MB/s, ratio radloop/python-hl7 = {:.0f}x\n",
               reporter.parse_bytes_per_s / 1e6, peer, reporter.parse_bytes_per_s / 1e6 / peer);
  } else {
    fmt::print("python-hl7 could not be measured (is python3-hl7 installed? ci/setup.sh)\n");
  }
  benchmark::Shutdown();
  return 0;
}
