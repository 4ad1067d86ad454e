// The files a TLS server needs, one record for every listener (MLLP, DICOM); plain data, so
// configs need no TLS library. Leaving it out (std::nullopt in a config) keeps plain TCP.
#pragma once

#include <string>

namespace radloop {

struct ServerTls {
  std::string certificate_chain_file{};     // PEM: the server certificate first, then intermediates
  std::string private_key_file{};           // PEM, not encrypted
  std::string ca_file{};                    // PEM: the CAs that client certificates must chain to
  bool require_client_certificate = false;  // needs ca_file; without it a certificate sent is checked
};

}  // namespace radloop
