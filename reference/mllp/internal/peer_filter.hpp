// Which peer addresses may connect: single addresses or networks in CIDR notation ("10.0.0.5",
// "10.20.0.0/16", "::1", "fd00::/8"). An IPv4 peer seen as an IPv4-mapped IPv6 address
// (::ffff:10.0.0.5) is judged as the IPv4 address it is.
#pragma once

#include <boost/asio/ip/address.hpp>
#include <string>
#include <vector>

#include "reference/core/result.hpp"

namespace radloop::mllp::internal {

class PeerFilter {
 public:
  // invalid_config naming the entry that is neither an address nor a network.
  static Result<PeerFilter> parse(const std::vector<std::string>& entries);
  // True when no entries were given, or the address is in one of them.
  [[nodiscard]] bool allows(boost::asio::ip::address address) const;

 private:
  struct Network {
    boost::asio::ip::address base;
    unsigned prefix = 0;  // leading bits that must match
  };
  std::vector<Network> networks_;
};

}  // namespace radloop::mllp::internal
