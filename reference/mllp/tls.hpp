// TLS settings for MLLP over TLS, one block per side; plain data, so configs need no Asio.
// Leaving the block out (std::nullopt in the configs) keeps the connection plain TCP.
#pragma once

#include <string>

#include "reference/core/tls.hpp"

namespace radloop::mllp {

using ServerTls = radloop::ServerTls;  // the same files as every other listener

struct ClientTls {
  std::string ca_file{};                 // PEM: the CAs the server must chain to; empty = the system's store
  bool verify_peer = true;               // off only for tests against throwaway certificates
  std::string server_name{};             // checked against the certificate and sent as SNI; empty = the host
  std::string certificate_chain_file{};  // PEM: optional client certificate
  std::string private_key_file{};        // PEM: its key
};

}  // namespace radloop::mllp
