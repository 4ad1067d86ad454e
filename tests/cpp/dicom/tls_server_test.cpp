// DICOM over TLS against DCMTK's own storescu and echoscu (+tls): a requester with a certificate
// stores, one speaking plain DICOM to the TLS port is refused, a required client certificate is
// enforced, a connection that never starts its handshake is dropped at the ACSE timeout, and a
// certificate or key that cannot be used stops the server from starting.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "reference/dicom/server.hpp"
#include "tests/cpp/dicom/store_fixture.hpp"
#include "tests/cpp/dicom/temp_dir.hpp"
#include "tests/cpp/mllp/test_certificates.hpp"

namespace radloop::dicom {
namespace {

using namespace test_support;  // NOLINT(google-build-using-namespace): the suite's own helpers

class DicomTls : public ::testing::Test {
 protected:
  void start(bool require_client_certificate) {
    auto config = storing_into(dir_.path);
    config.tls = ServerTls{certificates_.server().certificate, certificates_.server().private_key,
                           certificates_.client().certificate, require_client_certificate};
    config.acse_timeout = std::chrono::seconds(3);
    server_ = start_server(recorder_, std::move(config));
  }

  // echoscu or storescu over TLS, trusting our server; with a certificate of its own when given
  // one (the client's, trusted by the server, or a stranger's).
  int tls_tool(const std::string& tool, bool with_certificate, const std::vector<std::string>& files = {},
               const mllp::testing::CertificateFiles* own = nullptr) {
    std::vector<std::string> args{tool, "-aec", "RADLOOP"};
    if (own == nullptr && with_certificate) own = &certificates_.client();
    if (own != nullptr) {
      args.insert(args.end(), {"+tls", own->private_key, own->certificate});
    } else {
      args.emplace_back("+tla");  // TLS without a certificate of our own
    }
    args.insert(args.end(), {"+cf", certificates_.server().certificate, "127.0.0.1", std::to_string(server_->port())});
    args.insert(args.end(), files.begin(), files.end());
    return run_tool(args);
  }

  TempDir dir_{"radloop-dicom-tls"};
  TempDir work_{"radloop-dicom-tls-work"};
  // RSA: DCMTK 3.6.7 keeps a reference to an EC certificate's public key for good (its RSA-only
  // key checks free it only for RSA), which the leak checker would report.
  mllp::testing::TestCertificates certificates_{mllp::testing::KeyType::rsa_2048};
  Recorder recorder_;
  std::unique_ptr<Server> server_;
};

TEST_F(DicomTls, StoresOverTlsAndRefusesPlainDicom) {
  start(false);
  const auto instance = make_instance(work_.path);
  EXPECT_EQ(tls_tool("storescu", true, {instance.path}), 0);
  EXPECT_EQ(server_->stats().instances_stored, 1U);
  EXPECT_NE(run_tool({"echoscu", "-aec", "RADLOOP", "127.0.0.1", std::to_string(server_->port())}), 0)
      << "plain DICOM on the TLS port";
  // A requester without a certificate of its own is let in when none is required.
  EXPECT_EQ(tls_tool("echoscu", false), 0);
  EXPECT_EQ(tls_tool("echoscu", true), 0) << "still serving";
}

TEST_F(DicomTls, ARequiredClientCertificateIsEnforced) {
  start(true);
  EXPECT_NE(tls_tool("echoscu", false), 0);
  EXPECT_NE(tls_tool("echoscu", true, {}, &certificates_.stranger()), 0) << "a certificate nobody trusts";
  EXPECT_EQ(tls_tool("echoscu", true), 0);
}

// Not required, but checked when sent: a certificate the CAs do not vouch for is refused.
TEST_F(DicomTls, ACertificateSentIsCheckedEvenWhenNoneIsRequired) {
  start(false);
  EXPECT_NE(tls_tool("echoscu", true, {}, &certificates_.stranger()), 0);
  EXPECT_EQ(tls_tool("echoscu", true), 0);
}

// DCMTK runs the handshake on a blocking socket: without a bound, a peer that connects and says
// nothing would hold its thread for good.
TEST_F(DicomTls, AConnectionThatNeverStartsItsHandshakeIsDropped) {
  start(false);
  const int fd = connect_to(server_->port());
  timeval wait{30, 0};  // far past the 3 s ACSE timeout: only a server that never drops it fails
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &wait, sizeof wait);
  char byte = 0;
  EXPECT_EQ(::recv(fd, &byte, 1, 0), 0) << "the server closes it";
  ::close(fd);
  EXPECT_EQ(tls_tool("echoscu", true), 0);
}

// Each byte renews a socket's receive timeout: a handshake trickled a byte at a time must still
// end at the ACSE timeout, counted from the connection, not from the last byte.
TEST_F(DicomTls, AHandshakeTrickledAByteAtATimeIsDroppedAtTheAcseTimeout) {
  start(false);
  const int fd = connect_to(server_->port());
  // A TLS record header announcing a ClientHello of 512 bytes, then one byte every 200 ms.
  const std::string hello{"\x16\x03\x01\x02\x00\x01", 6};
  ASSERT_EQ(::send(fd, hello.data(), hello.size(), MSG_NOSIGNAL), static_cast<ssize_t>(hello.size()));
  bool dropped = false;
  for (int i = 0; i < 150 && !dropped; ++i) {  // 30 s: ten times the ACSE timeout
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    const char byte = 0;
    if (::send(fd, &byte, 1, MSG_NOSIGNAL) != 1) dropped = true;
    char reply = 0;
    if (::recv(fd, &reply, 1, MSG_DONTWAIT) == 0) dropped = true;
  }
  ::close(fd);
  EXPECT_TRUE(dropped) << "the trickle kept the connection for 30 s";
  EXPECT_EQ(tls_tool("echoscu", true), 0);
}

TEST_F(DicomTls, AnUnusableCertificateOrKeyStopsTheStart) {
  auto config = storing_into(dir_.path);
  config.tls = ServerTls{certificates_.server().certificate, certificates_.stranger().private_key, "", false};
  auto mismatched = Server::start(config);
  ASSERT_FALSE(mismatched.ok());
  EXPECT_EQ(mismatched.error().where, "dicom.tls.key");
  config.tls = ServerTls{certificates_.server().certificate, "/nonexistent/server.key", "", false};
  auto no_key = Server::start(config);
  ASSERT_FALSE(no_key.ok());
  EXPECT_EQ(no_key.error().code, Errc::invalid_config);
  EXPECT_EQ(no_key.error().where, "dicom.tls.key");
  config.tls = ServerTls{"/nonexistent/server.pem", certificates_.server().private_key, "", false};
  auto no_certificate = Server::start(config);
  ASSERT_FALSE(no_certificate.ok());
  EXPECT_EQ(no_certificate.error().where, "dicom.tls.certificate");
  config.tls = ServerTls{certificates_.server().certificate, certificates_.server().private_key, "", true};
  auto no_ca = Server::start(config);
  ASSERT_FALSE(no_ca.ok());
  EXPECT_EQ(no_ca.error().where, "dicom.tls.client_ca");
}

}  // namespace
}  // namespace radloop::dicom
