// Binding DCMTK's acceptor to a chosen address and an ephemeral port (see the header).
#include "reference/dicom/internal/acceptor_network.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <dcmtk/dcmtls/tlslayer.h>

#include <utility>

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

// DCMTK's own layer (plain TCP, or TLS), each connection read through the PDU guard, plus the hook.
template <typename Layer>
class HookedLayer : public Layer {
 public:
  template <typename... LayerArguments>
  HookedLayer(AcceptHook hook, const PduLimits& limits, LayerArguments&&... arguments)
      : Layer(std::forward<LayerArguments>(arguments)...), hook_(std::move(hook)), limits_(limits) {}
  DcmTransportConnection* createConnection(DcmNativeSocketType socket, OFBool secure) override {
    if (hook_) hook_(socket);
    DcmTransportConnection* inner = Layer::createConnection(socket, secure);
    if (inner == nullptr) return nullptr;
    return new GuardedConnection(inner, socket, limits_);  // DCMTK owns and deletes it
  }

 private:
  AcceptHook hook_;
  PduLimits limits_;
};

Error tls_error(const char* key, const std::string& file, const OFCondition& cond) {
  return Error{Errc::invalid_config, std::string("dicom.tls.") + key, file + ": " + describe(cond)};
}

// TLS as PS3.15 B.9 (BCP 195, the profile without downgrade: TLS 1.2 or later, no 3DES, no RSA
// key transport) asks, with our certificate; a requester's certificate is checked against
// ca_file when it sends one, and required when so configured.
Result<std::unique_ptr<DcmTransportLayer>> tls_layer(const radloop::ServerTls& tls, AcceptHook hook,
                                                     const PduLimits& limits) {
  if (tls.certificate_chain_file.empty() || tls.private_key_file.empty()) {
    return Error{Errc::invalid_config, "dicom.tls", "TLS needs both certificate and key"};
  }
  if (tls.require_client_certificate && tls.ca_file.empty()) {
    return Error{Errc::invalid_config, "dicom.tls.client_ca",
                 "require_client_certificate needs the CAs client certificates must chain to"};
  }
  auto layer =
      std::make_unique<HookedLayer<DcmTLSTransportLayer>>(std::move(hook), limits, NET_ACCEPTOR, nullptr, OFTrue);
  if (auto cond = layer->setTLSProfile(TSP_Profile_BCP195_ND); cond.bad()) {
    return tls_error("profile", "BCP 195", cond);
  }
  if (auto cond = layer->activateCipherSuites(); cond.bad()) return tls_error("profile", "BCP 195", cond);
  // A key that needs a passphrase fails here instead of asking for one on the terminal.
  layer->setPrivateKeyPasswd("");
  if (auto cond = layer->setPrivateKeyFile(tls.private_key_file.c_str(), DCF_Filetype_PEM); cond.bad()) {
    return tls_error("key", tls.private_key_file, cond);
  }
  if (auto cond = layer->setCertificateFile(tls.certificate_chain_file.c_str(), DCF_Filetype_PEM); cond.bad()) {
    return tls_error("certificate", tls.certificate_chain_file, cond);
  }
  if (!layer->checkPrivateKeyMatchesCertificate()) {
    return Error{Errc::invalid_config, "dicom.tls.key",
                 tls.private_key_file + " is not the key of " + tls.certificate_chain_file};
  }
  if (!tls.ca_file.empty()) {
    if (auto cond = layer->addTrustedCertificateFile(tls.ca_file.c_str(), DCF_Filetype_PEM); cond.bad()) {
      return tls_error("client_ca", tls.ca_file, cond);
    }
  }
  layer->setCertificateVerification(tls.require_client_certificate ? DCV_requireCertificate
                                    : tls.ca_file.empty()          ? DCV_ignoreCertificate
                                                                   : DCV_checkCertificate);
  return std::unique_ptr<DcmTransportLayer>(std::move(layer));
}

}  // namespace

Result<AcceptorNetwork> AcceptorNetwork::open(const std::string& bind_address, std::uint16_t port,
                                              std::chrono::seconds acse_timeout, const PduLimits& limits,
                                              const std::optional<radloop::ServerTls>& tls, AcceptHook on_accept) {
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
  std::unique_ptr<DcmTransportLayer> layer;
  if (tls) {
    auto made = tls_layer(*tls, std::move(on_accept), limits);
    if (!made) {
      ASC_dropNetwork(&network);
      return made.error();
    }
    layer = std::move(made).value();
  } else {
    layer = std::make_unique<HookedLayer<DcmTransportLayer>>(std::move(on_accept), limits);
  }
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
