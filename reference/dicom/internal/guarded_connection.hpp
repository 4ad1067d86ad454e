// A DCMTK transport connection that shows every byte read to a PduGuard before DCMTK sees it.
// When the guard refuses, the peer is sent an A-ABORT (PS3.8 9.3.8: service provider, invalid PDU
// parameter value), what it still sends is dropped for a second, and DCMTK reads the end of the
// stream, so the association ends as if the peer had closed; the handler asks refusal_of() why.
#pragma once

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmnet/assoc.h>
#include <dcmtk/dcmnet/dcmtrans.h>

#include <memory>
#include <optional>

#include "reference/core/result.hpp"
#include "reference/dicom/internal/pdu_guard.hpp"

namespace radloop::dicom::internal {

class GuardedConnection final : public DcmTransportConnection {
 public:
  GuardedConnection(DcmTransportConnection* inner, DcmNativeSocketType socket, const PduLimits& limits);
  GuardedConnection(const GuardedConnection&) = delete;
  GuardedConnection& operator=(const GuardedConnection&) = delete;
  ~GuardedConnection() override;

  [[nodiscard]] const std::optional<Error>& refused() const { return guard_.refused(); }

  OFCondition serverSideHandshake() override { return inner_->serverSideHandshake(); }
  OFCondition clientSideHandshake() override { return inner_->clientSideHandshake(); }
  OFCondition renegotiate(const char* suite) override { return inner_->renegotiate(suite); }
  ssize_t read(void* buffer, size_t length) override;
  ssize_t write(void* buffer, size_t length) override { return inner_->write(buffer, length); }
  void close() override { inner_->close(); }
  void closeTransportConnection() override { inner_->closeTransportConnection(); }
  unsigned long getPeerCertificateLength() override { return inner_->getPeerCertificateLength(); }
  unsigned long getPeerCertificate(void* buffer, unsigned long length) override {
    return inner_->getPeerCertificate(buffer, length);
  }
  OFBool networkDataAvailable(int timeout) override;
  OFBool isTransparentConnection() override { return inner_->isTransparentConnection(); }
  OFString& dumpConnectionParameters(OFString& text) override { return inner_->dumpConnectionParameters(text); }

 private:
  std::unique_ptr<DcmTransportConnection> inner_;
  PduGuard guard_;
};

// Why the association's guard stopped it, if it did.
std::optional<Error> refusal_of(T_ASC_Association* association);

}  // namespace radloop::dicom::internal
