// Throwaway self-signed certificates for the TLS tests, made with OpenSSL's C API in a temporary
// folder (the openssl command may be absent on a fresh machine). Removed with the object.
#pragma once

#include <filesystem>
#include <string>

namespace radloop::mllp::testing {

struct CertificateFiles {
  std::string certificate;  // PEM; self-signed, so it is also the CA file that trusts it
  std::string private_key;  // PEM
};

enum class KeyType { ec_p256, rsa_2048 };

class TestCertificates {
 public:
  explicit TestCertificates(KeyType type = KeyType::ec_p256);
  ~TestCertificates();
  TestCertificates(const TestCertificates&) = delete;
  TestCertificates& operator=(const TestCertificates&) = delete;

  // Valid for "localhost" and 127.0.0.1.
  [[nodiscard]] const CertificateFiles& server() const { return server_; }
  // For mutual TLS.
  [[nodiscard]] const CertificateFiles& client() const { return client_; }
  // Also for "localhost" and 127.0.0.1, but nobody trusts it.
  [[nodiscard]] const CertificateFiles& stranger() const { return stranger_; }

 private:
  std::filesystem::path dir_;
  CertificateFiles server_;
  CertificateFiles client_;
  CertificateFiles stranger_;
};

}  // namespace radloop::mllp::testing
