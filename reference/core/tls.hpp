// What a TLS server and a TLS client need, one record each for every listener (MLLP, DICOM, the
// portal) and every client; plain data, so configs need no TLS library. Leaving one out
// (std::nullopt in a config) keeps plain TCP.
#pragma once

#include <string>

namespace radloop {

struct ServerTls {
  std::string certificate_chain_file{};     // PEM: the server certificate first, then intermediates
  std::string private_key_file{};           // PEM, not encrypted
  std::string ca_file{};                    // PEM: the CAs that client certificates must chain to
  bool require_client_certificate = false;  // needs ca_file; without it a certificate sent is checked
};

struct ClientTls {
  std::string ca_file{};                 // PEM: the CAs the server must chain to; empty = the system's store
  bool verify_peer = true;               // off only for tests against throwaway certificates
  std::string server_name{};             // checked against the certificate and sent as SNI; empty = the host
  std::string certificate_chain_file{};  // PEM: optional client certificate
  std::string private_key_file{};        // PEM: its key
};

}  // namespace radloop
