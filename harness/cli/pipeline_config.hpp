// The daemon's configuration file (pipeline.yaml): store, listeners, portal, routing, matching and
// delivery in one place. Unknown keys are errors, so a typo is caught rather than ignored.
#pragma once

#include <cstdint>
#include <string>

#include "harness/cli/dicom_options.hpp"
#include "reference/core/result.hpp"
#include "reference/pipeline/pipeline.hpp"

namespace radloop::cli {

// The portal's listener, as the daemon runs it beside the pipeline.
struct PortalSettings {
  bool enabled = true;
  std::string bind_address = "127.0.0.1";
  std::uint16_t port = 0;
  std::string token;  // required when bind_address is not loopback
};

struct DaemonConfig {
  pipeline::PipelineConfig pipeline;
  DicomServerOptions dicom_options;
  PortalSettings portal;
};

// Reads `path` over what `config` already holds; invalid_config names the key and the file.
Result<void> load_daemon_config(const std::string& path, DaemonConfig& config);
// The same from YAML text (`origin` names it in errors).
Result<void> parse_daemon_config(const std::string& text, const std::string& origin, DaemonConfig& config);

}  // namespace radloop::cli
