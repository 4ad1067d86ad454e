// Reading through the PDU guard (see the header).
#include "reference/dicom/internal/guarded_connection.hpp"

#include <array>
#include <string_view>

namespace radloop::dicom::internal {

GuardedConnection::GuardedConnection(DcmTransportConnection* inner, DcmNativeSocketType socket, const PduLimits& limits)
    : DcmTransportConnection(socket), inner_(inner), guard_(limits) {}

GuardedConnection::~GuardedConnection() = default;

ssize_t GuardedConnection::read(void* buffer, size_t length) {
  if (guard_.refused()) return 0;
  const auto got = inner_->read(buffer, length);
  if (got <= 0) return got;
  if (guard_.feed(std::string_view(static_cast<const char*>(buffer), static_cast<std::size_t>(got)))) return got;
  // A-ABORT: type 7, length 4, reserved, reserved, source 2 (service provider), reason 6.
  std::array<unsigned char, 10> abort{0x07, 0, 0, 0, 0, 4, 0, 0, 2, 6};
  (void)inner_->write(abort.data(), abort.size());
  return 0;  // DCMTK reads the end of the stream
}

OFBool GuardedConnection::networkDataAvailable(int timeout) {
  return guard_.refused() ? OFTrue : inner_->networkDataAvailable(timeout);
}

std::optional<Error> refusal_of(T_ASC_Association* association) {
  if (association == nullptr || association->DULassociation == nullptr) return std::nullopt;
  auto* guarded = dynamic_cast<GuardedConnection*>(DUL_getTransportConnection(association->DULassociation));
  if (guarded == nullptr) return std::nullopt;
  return guarded->refused();
}

}  // namespace radloop::dicom::internal
