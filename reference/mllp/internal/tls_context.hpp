// Builds the OpenSSL contexts behind the TLS blocks, and names why a handshake failed.
// Private to reference/mllp: nothing above it includes Asio or OpenSSL headers.
#pragma once

#include <boost/asio/ssl.hpp>
#include <string>

#include "reference/core/result.hpp"
#include "reference/mllp/tls.hpp"

namespace radloop::mllp::internal {

Result<boost::asio::ssl::context> make_server_context(const ServerTls& tls);
Result<boost::asio::ssl::context> make_client_context(const ClientTls& tls);

// Sets SNI and the name (or IP address) the server certificate must carry.
Result<void> expect_server_name(SSL* ssl, const std::string& name);

// "<asio message> (<certificate verification result>)" when the peer's certificate was refused.
std::string describe_handshake_failure(const boost::system::error_code& ec, SSL* ssl);

}  // namespace radloop::mllp::internal
