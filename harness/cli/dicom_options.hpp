// The DICOM server's settings as command-line options, shared by every subcommand that runs one.
#pragma once

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

#include "reference/core/result.hpp"
#include "reference/dicom/server.hpp"

namespace radloop::cli {

// What the options hold until they are checked and turned into the configuration.
struct DicomServerOptions {
  std::vector<std::string> allowed_callers;   // AE or AE@host
  std::vector<std::string> commitment_peers;  // AE@host:port
  std::string durability = "file+dir";
  std::string commitment_reply = "same";
  long acse_seconds = 30;
  long dimse_seconds = 30;
};

void add_dicom_server_options(CLI::App& command, dicom::ServerConfig& config, DicomServerOptions& options);

// Fills what the plain options cannot; a malformed value is invalid_config naming the option.
Result<void> apply(const DicomServerOptions& options, dicom::ServerConfig& config);

}  // namespace radloop::cli
