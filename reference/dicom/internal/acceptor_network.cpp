// Binding DCMTK's acceptor to a chosen address and an ephemeral port (see the header).
#include "reference/dicom/internal/acceptor_network.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "reference/dicom/internal/dcmtk_runtime.hpp"
#include "reference/dicom/internal/guarded_connection.hpp"

namespace radloop::dicom::internal {
namespace {

constexpr int kListenBacklog = 64;

std::string errno_text() { return std::strerror(errno); }

// A listening IPv4 socket on address:port, or an error naming both.
Result<int> listen_socket(const std::string& address, std::uint16_t port, std::uint16_t& bound_port) {
  const auto where = address + ":" + std::to_string(port);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  if (inet_pton(AF_INET, address.c_str(), &addr.sin_addr) != 1) {
    return Error{Errc::invalid_config, "bind_address", "\"" + address + "\" is not an IPv4 address"};
  }
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Error{Errc::bind_failed, where, errno_text()};
  const int on = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
  // sockaddr_in is layout-compatible with sockaddr; this is how the socket API is meant to be called.
  auto* generic = reinterpret_cast<sockaddr*>(&addr);  // NOLINT(cppcoreguidelines-pro-type-reinterpret-cast)
  socklen_t length = sizeof addr;
  if (::bind(fd, generic, sizeof addr) != 0 || ::listen(fd, kListenBacklog) != 0 ||
      ::getsockname(fd, generic, &length) != 0) {
    auto error = Error{Errc::bind_failed, where, errno_text()};
    ::close(fd);
    return error;
  }
  bound_port = ntohs(addr.sin_port);
  return fd;
}

// Plain TCP, as DCMTK's own layer, read through the PDU guard, plus the hook.
class HookedLayer : public DcmTransportLayer {
 public:
  HookedLayer(AcceptHook hook, const PduLimits& limits) : hook_(std::move(hook)), limits_(limits) {}
  DcmTransportConnection* createConnection(DcmNativeSocketType socket, OFBool secure) override {
    if (hook_) hook_(socket);
    DcmTransportConnection* inner = DcmTransportLayer::createConnection(socket, secure);
    if (inner == nullptr) return nullptr;
    return new GuardedConnection(inner, socket, limits_);  // DCMTK owns and deletes it
  }

 private:
  AcceptHook hook_;
  PduLimits limits_;
};

}  // namespace

Result<AcceptorNetwork> AcceptorNetwork::open(const std::string& bind_address, std::uint16_t port,
                                              std::chrono::seconds acse_timeout, const PduLimits& limits,
                                              AcceptHook on_accept) {
  ensure_dcmtk_ready();
  std::uint16_t bound_port = 0;
  auto ours = listen_socket(bind_address, port, bound_port);
  if (!ours) return ours.error();

  // DCMTK opens its own listener on an ephemeral wildcard port; it is replaced right away.
  T_ASC_Network* network = nullptr;
  const auto cond = ASC_initializeNetwork(NET_ACCEPTOR, 0, static_cast<int>(acse_timeout.count()), &network);
  if (cond.bad()) {
    ::close(*ours);
    return Error{Errc::bind_failed, bind_address + ":" + std::to_string(port), describe(cond)};
  }
  const int dcmtk_fd = DUL_networkSocket(network->network);
  if (::dup2(*ours, dcmtk_fd) < 0) {
    auto error = Error{Errc::bind_failed, bind_address + ":" + std::to_string(port), errno_text()};
    ::close(*ours);
    ASC_dropNetwork(&network);
    return error;
  }
  ::close(*ours);
  auto layer = std::make_unique<HookedLayer>(std::move(on_accept), limits);
  ASC_setTransportLayer(network, layer.get(), 0);
  return AcceptorNetwork(network, dcmtk_fd, bound_port, std::move(layer));
}

AcceptorNetwork::AcceptorNetwork(AcceptorNetwork&& other) noexcept
    : network_(other.network_), listen_fd_(other.listen_fd_), port_(other.port_), layer_(std::move(other.layer_)) {
  other.network_ = nullptr;
  other.listen_fd_ = -1;
}

AcceptorNetwork::~AcceptorNetwork() {
  if (network_ != nullptr) ASC_dropNetwork(&network_);  // closes the listen descriptor too
}

}  // namespace radloop::dicom::internal
