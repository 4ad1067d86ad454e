// MLLP round trip on loopback: a ~1 KiB HL7 message sent framed, a small fixed ACK-like reply
// back, through our Server and our blocking Client. One connection sending sequentially, and
// 16 connections at once (one client thread each). items_per_second = messages per second.
#include <benchmark/benchmark.h>
#include <spdlog/spdlog.h>

#include <memory>
#include <string>
#include <string_view>

#include "bench/mllp/sample_message.hpp"
#include "reference/mllp/client.hpp"
#include "reference/mllp/server.hpp"

namespace {

using radloop::mllp::Client;
using radloop::mllp::ClientConfig;
using radloop::mllp::InboundMessage;
using radloop::mllp::Server;
using radloop::mllp::ServerConfig;

using radloop::bench::sample_message;

constexpr std::string_view kReply =
    "MSH|^~\\&|RADLOOP|RAD|EHR|GENERAL|20260101120000||ACK^R01|ACK0001|P|2.5.1\rMSA|AA|BENCH0001";

// One server for the whole run, as a deployed interface engine would be.
Server& server() {
  static const auto instance = [] {
    spdlog::set_level(spdlog::level::warn);
    ServerConfig config;
    return Server::start(config, [](const InboundMessage&) { return std::string(kReply); }).value();
  }();
  return *instance;
}

void BM_Server_RoundTrip(benchmark::State& state) {
  const auto port = server().port();
  auto client = Client::connect(ClientConfig{"127.0.0.1", port}).value();
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
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * message.size()));
}
// Threads(n): n client threads, each with its own connection; real time, so items_per_second
// is the server's throughput across all of them.
BENCHMARK(BM_Server_RoundTrip)->Threads(1)->Threads(16)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
