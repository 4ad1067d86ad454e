// FrameDecoder throughput: one 2 KiB HL7 message per frame, arriving in chunks of various sizes.
#include <benchmark/benchmark.h>

#include "reference/mllp/frame.hpp"

namespace {

std::string sample_message() {
  std::string m = "MSH|^~\\&|EHR|GENERAL|RADLOOP|RAD|20260101120000||ORU^R01|BENCH1|P|2.5.1\r";
  while (m.size() < 2048) m += "OBX|1|TX|^IMPRESSION||No acute cardiopulmonary abnormality.||||||F\r";
  return m;
}

void BM_FrameDecoder_Decode(benchmark::State& state) {
  const auto chunk = static_cast<std::size_t>(state.range(0));
  std::string wire;
  for (int i = 0; i < 64; ++i) wire += radloop::mllp::frame(sample_message());
  std::vector<std::string> out;
  out.reserve(64);
  for (auto _ : state) {
    radloop::mllp::FrameDecoder decoder;
    out.clear();
    for (std::size_t pos = 0; pos < wire.size(); pos += chunk) {
      auto fed = decoder.feed(std::string_view(wire).substr(pos, chunk), out);
      benchmark::DoNotOptimize(fed);
    }
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * wire.size()));
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * 64));
}
BENCHMARK(BM_FrameDecoder_Decode)->Arg(1)->Arg(64)->Arg(1500)->Arg(64 * 1024);

void BM_Frame_Encode(benchmark::State& state) {
  const auto message = sample_message();
  for (auto _ : state) benchmark::DoNotOptimize(radloop::mllp::frame(message));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * message.size()));
}
BENCHMARK(BM_Frame_Encode);

}  // namespace
