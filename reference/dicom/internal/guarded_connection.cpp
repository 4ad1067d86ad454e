// Reading through the PDU guard (see the header).
#include "reference/dicom/internal/guarded_connection.hpp"

#include <sys/socket.h>

#include <array>
#include <chrono>
#include <string_view>

namespace radloop::dicom::internal {
namespace {

constexpr std::chrono::seconds kLinger{1};

}  // namespace

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
  // What the peer still sends is read and dropped for a moment: a socket closed with unread bytes
  // is answered with a reset, which can destroy the A-ABORT before the peer reads it.
  ::shutdown(getSocket(), SHUT_WR);
  const auto until = std::chrono::steady_clock::now() + kLinger;
  std::array<char, 16384> scratch{};
  while (std::chrono::steady_clock::now() < until && inner_->networkDataAvailable(1)) {
    if (inner_->read(scratch.data(), scratch.size()) <= 0) break;
  }
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
