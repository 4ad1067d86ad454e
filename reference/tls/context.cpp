// OpenSSL contexts from the TLS blocks. A server loads its files once at start; a client at
// each connect, so a renewed certificate is picked up without a restart.
#include "reference/tls/context.hpp"

#include <openssl/x509v3.h>

#include <boost/asio/ip/address.hpp>

namespace radloop::tls {

namespace ssl = boost::asio::ssl;

namespace {

Error file_error(std::string field, const std::string& file, const boost::system::error_code& ec) {
  return Error{Errc::invalid_config, std::move(field), file + ": " + ec.message()};
}

// TLS 1.2 is the floor: SSLv3, TLS 1.0 and 1.1 are broken or deprecated (RFC 8996).
ssl::context base_context(ssl::context::method method) {
  ssl::context context(method);
  context.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                      ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 | ssl::context::single_dh_use);
  return context;
}

Result<void> use_certificate(ssl::context& context, const std::string& chain_file, const std::string& key_file) {
  boost::system::error_code ec;
  if (context.use_certificate_chain_file(chain_file, ec); ec) {
    return file_error("tls.certificate_chain_file", chain_file, ec);
  }
  // OpenSSL also refuses a key that does not match the certificate here ("key values mismatch").
  if (context.use_private_key_file(key_file, ssl::context::pem, ec); ec) {
    return file_error("tls.private_key_file", key_file, ec);
  }
  return {};
}

}  // namespace

Result<ssl::context> make_server_context(const ServerTls& tls) {
  if (tls.certificate_chain_file.empty() || tls.private_key_file.empty()) {
    return Error{Errc::invalid_config, "tls", "a TLS server needs certificate_chain_file and private_key_file"};
  }
  if (tls.require_client_certificate && tls.ca_file.empty()) {
    return Error{Errc::invalid_config, "tls.ca_file", "require_client_certificate needs the CAs to check against"};
  }
  auto context = base_context(ssl::context::tls_server);
  if (auto used = use_certificate(context, tls.certificate_chain_file, tls.private_key_file); !used) {
    return used.error();
  }
  // Without a session ID context, OpenSSL refuses every resumed session once client certificates
  // are checked (a browser's second connection would fail); any fixed value will do.
  static constexpr unsigned char kSessionContext[] = "radloop";
  SSL_CTX_set_session_id_context(context.native_handle(), kSessionContext, sizeof kSessionContext - 1);
  if (!tls.ca_file.empty()) {
    boost::system::error_code ec;
    if (context.load_verify_file(tls.ca_file, ec); ec) return file_error("tls.ca_file", tls.ca_file, ec);
    // With a CA file the server asks for a client certificate and checks any it gets.
    auto mode = ssl::verify_peer;
    if (tls.require_client_certificate) mode |= ssl::verify_fail_if_no_peer_cert;
    context.set_verify_mode(mode);
  }
  return context;
}

Result<ssl::context> make_client_context(const ClientTls& tls) {
  auto context = base_context(ssl::context::tls_client);
  boost::system::error_code ec;
  if (tls.verify_peer) {
    if (tls.ca_file.empty()) {
      if (context.set_default_verify_paths(ec); ec) return Error{Errc::invalid_config, "tls.ca_file", ec.message()};
    } else if (context.load_verify_file(tls.ca_file, ec); ec) {
      return file_error("tls.ca_file", tls.ca_file, ec);
    }
    context.set_verify_mode(ssl::verify_peer);
  } else {
    context.set_verify_mode(ssl::verify_none);
  }
  if (!tls.certificate_chain_file.empty() || !tls.private_key_file.empty()) {
    if (auto used = use_certificate(context, tls.certificate_chain_file, tls.private_key_file); !used) {
      return used.error();
    }
  }
  return context;
}

Result<void> expect_server_name(SSL* ssl, const std::string& name) {
  boost::system::error_code not_an_address;
  boost::asio::ip::make_address(name, not_an_address);
  if (!not_an_address) {
    // An IP address is matched against the certificate's IP entries and never sent as SNI (RFC 6066).
    if (X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), name.c_str()) != 1) {
      return Error{Errc::invalid_config, "tls.server_name", name + ": not a usable IP address"};
    }
    return {};
  }
  // SSL_set_tlsext_host_name is a macro with a C cast; this is the call it stands for.
  const bool sni = SSL_ctrl(ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                            const_cast<char*>(name.c_str())) == 1;  // NOLINT: OpenSSL only reads it
  if (!sni || SSL_set1_host(ssl, name.c_str()) != 1) {
    return Error{Errc::invalid_config, "tls.server_name", name + ": not a usable host name"};
  }
  return {};
}

std::string describe_handshake_failure(const boost::system::error_code& ec, SSL* ssl) {
  std::string text = ec.message();
  if (const auto verify = SSL_get_verify_result(ssl); verify != X509_V_OK) {
    text += " (";
    text += X509_verify_cert_error_string(verify);
    text += ")";
  }
  return text;
}

}  // namespace radloop::tls
