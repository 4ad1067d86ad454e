// DICOM server options for the CLI (see the header).
#include "harness/cli/dicom_options.hpp"

#include <charconv>

namespace radloop::cli {

void add_dicom_server_options(CLI::App& command, dicom::ServerConfig& config, DicomServerOptions& options) {
  command.add_option("--dicom-port", config.port, "DICOM port (0 = ephemeral)")->capture_default_str();
  command.add_option("--ae-title", config.ae_title, "DICOM AE title, matched exactly")->capture_default_str();
  command.add_option("--allow-calling-ae", options.allowed_callers,
                     "Only these calling AE titles, each AE or AE@host (repeatable; default: any caller)");
  command.add_option("--storage-dir", config.storage_dir,
                     "Where C-STORE keeps instances (<study>/<series>/<sop>.dcm); also enables Storage "
                     "Commitment and Patient/Study Root C-FIND. Empty: C-STORE is refused");
  command.add_option("--durability", options.durability, "How far an instance is flushed before success")
      ->check(CLI::IsMember({"none", "file", "file+dir"}))
      ->capture_default_str();
  command.add_option("--max-associations", config.max_associations, "Concurrent associations")
      ->check(CLI::Range(1U, 4096U))
      ->capture_default_str();
  command.add_option("--max-pdu", config.max_pdu_bytes, "Largest PDU we receive, in bytes")
      ->check(CLI::Range(4096U, 1U << 24U))
      ->capture_default_str();
  command.add_option("--acse-timeout", options.acse_seconds, "Seconds a new connection has to ask (ARTIM)")
      ->check(CLI::Range(1L, 3600L))
      ->capture_default_str();
  command.add_option("--dimse-timeout", options.dimse_seconds, "Seconds an association may stay idle")
      ->check(CLI::Range(1L, 3600L))
      ->capture_default_str();
  command
      .add_option("--commitment-reply", options.commitment_reply,
                  "Where Storage Commitment reports go: same (the requesting association) or new (an "
                  "association to the requester's --commitment-peer)")
      ->check(CLI::IsMember({"same", "new"}))
      ->capture_default_str();
  command.add_option("--commitment-peer", options.commitment_peers,
                     "Where a requester listens for reports, AE@host:port (repeatable)");
}

Result<void> apply(const DicomServerOptions& options, dicom::ServerConfig& config) {
  for (const auto& entry : options.allowed_callers) {
    const auto at = entry.find('@');
    config.allowed_callers.push_back(
        {entry.substr(0, at), at == std::string::npos ? std::string() : entry.substr(at + 1)});
  }
  for (const auto& entry : options.commitment_peers) {
    const auto at = entry.find('@');
    const auto colon = entry.rfind(':');
    unsigned port = 0;
    const char* end = entry.data() + entry.size();
    const bool shaped = at != std::string::npos && at > 0 && colon != std::string::npos && colon > at + 1;
    if (!shaped || std::from_chars(entry.data() + colon + 1, end, port).ptr != end || port == 0 || port > 65535) {
      return Error{Errc::invalid_config, "--commitment-peer", "\"" + entry + "\" is not AE@host:port"};
    }
    config.commitment_peers.push_back(
        {entry.substr(0, at), entry.substr(at + 1, colon - at - 1), static_cast<std::uint16_t>(port)});
  }
  using Durability = dicom::ServerConfig::Durability;
  config.durability = options.durability == "none"   ? Durability::none
                      : options.durability == "file" ? Durability::file
                                                     : Durability::file_and_directory;
  config.commitment_reply = options.commitment_reply == "new" ? dicom::ServerConfig::CommitmentReply::new_association
                                                              : dicom::ServerConfig::CommitmentReply::same_association;
  config.acse_timeout = std::chrono::seconds(options.acse_seconds);
  config.dimse_timeout = std::chrono::seconds(options.dimse_seconds);
  return {};
}

}  // namespace radloop::cli
