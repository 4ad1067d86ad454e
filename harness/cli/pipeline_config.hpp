// The daemon's configuration file (pipeline.yaml): store, listeners, portal, routing, matching and
// delivery in one place. Unknown keys are errors, so a typo is caught rather than ignored.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "harness/cli/dicom_options.hpp"
#include "reference/core/result.hpp"
#include "reference/core/tls.hpp"
#include "reference/pipeline/pipeline.hpp"
#include "reference/portal/access.hpp"

namespace radloop::cli {

// The portal's listener, as the daemon runs it beside the pipeline.
struct PortalSettings {
  bool enabled = true;
  std::string bind_address = "127.0.0.1";
  std::uint16_t port = 0;
  // Tokens (one is required when bind_address is not loopback): a file of "holder token" lines,
  // or one token held by "token" (--token shows it to everyone who can run ps), or else the
  // environment's RADLOOP_PORTAL_TOKEN.
  std::string token_file;
  std::string token;
  std::chrono::seconds read_timeout{30};      // request line and headers; a stalled body
  std::chrono::seconds request_timeout{300};  // a whole body
  unsigned max_connections_per_address = 16;  // raise behind a proxy: its clients share its address
  std::optional<ServerTls> tls;               // HTTPS; unset: plain HTTP
};

struct DaemonConfig {
  pipeline::PipelineConfig pipeline;
  DicomServerOptions dicom_options;
  PortalSettings portal;
};

// The portal's credentials from the settings: every line of token_file, then token, then
// `environment_token` (RADLOOP_PORTAL_TOKEN) when neither of the others gives one. A token file
// line is "holder token" or a token alone (held by "token"); blank lines and '#' comments are
// skipped. Errors name the file and line; checks of length and holders are the portal's.
Result<std::vector<portal::Credential>> portal_credentials(const PortalSettings& settings,
                                                           const char* environment_token);

// Reads `path` over what `config` already holds; invalid_config names the key and the file. A
// relative portal.token_file is taken from the file's folder.
Result<void> load_daemon_config(const std::string& path, DaemonConfig& config);
// The same from YAML text (`origin` names it in errors).
Result<void> parse_daemon_config(const std::string& text, const std::string& origin, DaemonConfig& config);

}  // namespace radloop::cli
