// Builds the OpenSSL contexts behind the TLS blocks (core/tls.hpp), and names why a handshake
// failed: one place for every listener and client (MLLP, the portal). Only the network layers
// include this; nothing above them sees Asio or OpenSSL headers.
#pragma once

#include <boost/asio/ssl.hpp>
#include <string>

#include "reference/core/result.hpp"
#include "reference/core/tls.hpp"

namespace radloop::tls {

Result<boost::asio::ssl::context> make_server_context(const ServerTls& tls);
Result<boost::asio::ssl::context> make_client_context(const ClientTls& tls);

// Sets SNI and the name (or IP address) the server certificate must carry.
Result<void> expect_server_name(SSL* ssl, const std::string& name);

// "<asio message> (<certificate verification result>)" when the peer's certificate was refused.
std::string describe_handshake_failure(const boost::system::error_code& ec, SSL* ssl);

}  // namespace radloop::tls
