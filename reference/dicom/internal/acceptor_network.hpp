// A DCMTK acceptor network that listens on the address and port we choose. DCMTK 3.6.7
// always binds INADDR_ANY and hides the port it got; we bind our own socket instead and put
// it in place of DCMTK's listen descriptor, so "loopback by default" and port 0 both hold.
// Its transport layer tells us the moment a connection is accepted, before DCMTK reads the
// A-ASSOCIATE-RQ, so the accept loop can move on while that read waits out a slow peer, and
// every connection it makes is read through the PDU guard (guarded_connection.hpp).
#pragma once

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmnet/assoc.h>

#include <dcmtk/dcmnet/dcmlayer.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "reference/core/result.hpp"
#include "reference/core/tls.hpp"
#include "reference/dicom/internal/pdu_guard.hpp"

namespace radloop::dicom::internal {

// Called on the thread that accepted, with the new connection's descriptor.
using AcceptHook = std::function<void(int fd)>;

class AcceptorNetwork {
 public:
  // With tls, every connection is TLS; a certificate or key that cannot be used is an
  // invalid_config error naming it.
  static Result<AcceptorNetwork> open(const std::string& bind_address, std::uint16_t port,
                                      std::chrono::seconds acse_timeout, const PduLimits& limits,
                                      const std::optional<radloop::ServerTls>& tls, AcceptHook on_accept);
  AcceptorNetwork(AcceptorNetwork&& other) noexcept;
  AcceptorNetwork& operator=(AcceptorNetwork&&) = delete;
  AcceptorNetwork(const AcceptorNetwork&) = delete;
  AcceptorNetwork& operator=(const AcceptorNetwork&) = delete;
  ~AcceptorNetwork();

  [[nodiscard]] T_ASC_Network* get() const { return network_; }
  [[nodiscard]] int listen_fd() const { return listen_fd_; }
  [[nodiscard]] std::uint16_t port() const { return port_; }

 private:
  AcceptorNetwork(T_ASC_Network* network, int listen_fd, std::uint16_t port, std::unique_ptr<DcmTransportLayer> layer)
      : network_(network), listen_fd_(listen_fd), port_(port), layer_(std::move(layer)) {}

  T_ASC_Network* network_ = nullptr;
  int listen_fd_ = -1;
  std::uint16_t port_ = 0;
  std::unique_ptr<DcmTransportLayer> layer_;  // the network points at it; it outlives the network
};

}  // namespace radloop::dicom::internal
