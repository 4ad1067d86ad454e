// Self-signed certificates (EC P-256, or RSA 2048) written as PEM files, one key and one
// certificate per name.
#include "tests/cpp/mllp/test_certificates.hpp"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <cstdlib>  // mkdtemp

#include <memory>
#include <stdexcept>

namespace radloop::mllp::testing {
namespace {

template <auto Free>
struct Deleter {
  template <typename T>
  void operator()(T* p) const {
    Free(p);
  }
};
using Key = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY_free>>;
using Certificate = std::unique_ptr<X509, Deleter<X509_free>>;
using File = std::unique_ptr<BIO, Deleter<BIO_free_all>>;
using Extension = std::unique_ptr<X509_EXTENSION, Deleter<X509_EXTENSION_free>>;

void check(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(std::string("test certificate: ") + what + " failed");
}

void add_extension(X509* certificate, int nid, const char* value) {
  X509V3_CTX context;
  X509V3_set_ctx(&context, certificate, certificate, nullptr, nullptr, 0);
  Extension extension(X509V3_EXT_conf_nid(nullptr, &context, nid, value));
  check(extension != nullptr, value);
  check(X509_add_ext(certificate, extension.get(), -1) == 1, "X509_add_ext");
}

CertificateFiles make(const std::filesystem::path& dir, const std::string& name, long serial, KeyType type) {
  Key key(type == KeyType::rsa_2048 ? EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", std::size_t{2048})
                                    : EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  check(key != nullptr, "key generation");

  Certificate certificate(X509_new());
  check(certificate != nullptr, "X509_new");
  X509_set_version(certificate.get(), 2);  // v3, for the extensions
  ASN1_INTEGER_set(X509_get_serialNumber(certificate.get()), serial);
  X509_gmtime_adj(X509_getm_notBefore(certificate.get()), -60L * 60);
  X509_gmtime_adj(X509_getm_notAfter(certificate.get()), 7L * 24 * 60 * 60);
  X509_set_pubkey(certificate.get(), key.get());
  X509_NAME* subject = X509_get_subject_name(certificate.get());
  const std::string common_name = "localhost";
  X509_NAME_add_entry_by_txt(subject, "O", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(name.c_str()), -1, -1,
                             0);
  X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(common_name.c_str()),
                             -1, -1, 0);
  X509_set_issuer_name(certificate.get(), subject);  // self-signed
  add_extension(certificate.get(), NID_basic_constraints, "critical,CA:TRUE");
  add_extension(certificate.get(), NID_subject_key_identifier, "hash");
  add_extension(certificate.get(), NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1");
  check(X509_sign(certificate.get(), key.get(), EVP_sha256()) > 0, "X509_sign");

  CertificateFiles files{(dir / (name + ".crt")).string(), (dir / (name + ".key")).string()};
  File cert_file(BIO_new_file(files.certificate.c_str(), "w"));
  check(cert_file != nullptr && PEM_write_bio_X509(cert_file.get(), certificate.get()) == 1, "writing the certificate");
  File key_file(BIO_new_file(files.private_key.c_str(), "w"));
  check(key_file != nullptr &&
            PEM_write_bio_PrivateKey(key_file.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) == 1,
        "writing the key");
  return files;
}

}  // namespace

TestCertificates::TestCertificates(KeyType type) {
  std::string pattern = (std::filesystem::temp_directory_path() / "radloop-mllp-tls-XXXXXX").string();
  check(mkdtemp(pattern.data()) != nullptr, "mkdtemp");
  dir_ = pattern;
  server_ = make(dir_, "server", 1, type);
  client_ = make(dir_, "client", 2, type);
  stranger_ = make(dir_, "stranger", 3, type);
}

TestCertificates::~TestCertificates() {
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

}  // namespace radloop::mllp::testing
