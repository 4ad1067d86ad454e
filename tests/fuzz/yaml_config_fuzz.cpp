// libFuzzer target for the YAML readers a user hands radloop: scenario files, endpoints files and
// pipeline.yaml. Any text gives a value or a located error, never an exception or a crash.
#include <cstddef>
#include <cstdint>
#include <string>

#include "harness/cli/pipeline_config.hpp"
#include "harness/endpoints.hpp"
#include "harness/scenario.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace radloop;
  const std::string text(reinterpret_cast<const char*>(data), size);
  const auto located = [](const Error& e) { return !e.where.empty() || !e.detail.empty(); };
  if (auto s = harness::parse_scenario(text); !s && !located(s.error())) __builtin_trap();
  if (auto e = harness::parse_endpoints(text); !e && !located(e.error())) __builtin_trap();
  cli::DaemonConfig config;
  if (auto p = cli::parse_daemon_config(text, "fuzz.yaml", config); !p && !located(p.error())) __builtin_trap();
  return 0;
}
