// The DICOM application entity the reference pipeline runs: association policy and services.
// No DCMTK type crosses this header.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "reference/core/result.hpp"
#include "reference/dicom/events.hpp"

namespace radloop::dicom {

// A calling AE title the server talks to, optionally only from one host (an IP address).
struct AllowedCaller {
  std::string ae_title;  // compared byte for byte, as real devices do
  std::string host;      // empty: from any host
};

struct ServerConfig {
  std::string ae_title = "RADLOOP";  // called AE must match exactly, case included
  std::string bind_address = "127.0.0.1";
  std::uint16_t port = 0;         // 0 = ephemeral; read it from Server::port()
  unsigned max_associations = 8;  // concurrent; more are rejected (local limit exceeded)
  // Empty: any calling AE from any host. Otherwise only these; a known AE from another host is
  // rejected as "calling host not allowed", an unknown AE as "calling AE title not recognized".
  std::vector<AllowedCaller> allowed_callers;
  std::uint32_t max_pdu_bytes = 65536;
  std::chrono::seconds acse_timeout{30};   // ARTIM: a peer that connects must ask within this
  std::chrono::seconds dimse_timeout{30};  // an idle association is aborted after this
};

struct ServerStats {
  std::uint64_t associations_accepted = 0;
  std::uint64_t associations_rejected = 0;
  std::uint64_t echoes_answered = 0;
};

class Server {
 public:
  static Result<std::unique_ptr<Server>> start(ServerConfig config, EventObserver observer = {});
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  [[nodiscard]] std::uint16_t port() const;
  [[nodiscard]] ServerStats stats() const;
  // Stops accepting, aborts open associations and waits for their threads.
  void stop();

  class Impl;

 private:
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace radloop::dicom
