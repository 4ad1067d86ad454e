// Matching peer addresses against the allowed ones (see the header).
#include "reference/mllp/internal/peer_filter.hpp"

#include <array>
#include <charconv>
#include <cstddef>

namespace radloop::mllp::internal {
namespace {

namespace ip = boost::asio::ip;

ip::address unmapped(const ip::address& address) {
  if (address.is_v6() && address.to_v6().is_v4_mapped()) return ip::make_address_v4(ip::v4_mapped, address.to_v6());
  return address;
}

// The address's bytes, most significant first.
std::array<unsigned char, 16> bytes_of(const ip::address& address, std::size_t& size) {
  std::array<unsigned char, 16> out{};
  if (address.is_v4()) {
    const auto v4 = address.to_v4().to_bytes();
    std::copy(v4.begin(), v4.end(), out.begin());
    size = v4.size();
  } else {
    const auto v6 = address.to_v6().to_bytes();
    std::copy(v6.begin(), v6.end(), out.begin());
    size = v6.size();
  }
  return out;
}

}  // namespace

Result<PeerFilter> PeerFilter::parse(const std::vector<std::string>& entries) {
  PeerFilter filter;
  for (const auto& entry : entries) {
    const auto bad = [&](const std::string& why) {
      return Error{Errc::invalid_config, "allowed_peers", "\"" + entry + "\" " + why};
    };
    const auto slash = entry.find('/');
    if (entry.find('%') != std::string::npos) return bad("names an interface (%): give the address alone");
    boost::system::error_code ec;
    const auto parsed = ip::make_address(entry.substr(0, slash), ec);
    if (ec) return bad("is not an IP address or a network such as 10.0.0.0/24");
    if (parsed.is_v6() && parsed.to_v6().is_v4_mapped()) {
      return bad("is an IPv4-mapped IPv6 address: write the IPv4 address or network itself");
    }
    const auto base = parsed;
    const unsigned width = base.is_v4() ? 32 : 128;
    unsigned prefix = width;
    if (slash != std::string::npos) {
      const auto text = std::string_view(entry).substr(slash + 1);
      const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), prefix);
      if (error != std::errc() || end != text.data() + text.size() || text.empty() || prefix > width) {
        return bad("has a prefix length that is not 0 to " + std::to_string(width));
      }
    }
    filter.networks_.push_back({base, prefix});
  }
  return filter;
}

bool PeerFilter::allows(ip::address address) const {
  if (networks_.empty()) return true;
  address = unmapped(address);
  std::size_t size = 0;
  const auto peer = bytes_of(address, size);
  for (const auto& network : networks_) {
    if (network.base.is_v4() != address.is_v4()) continue;
    std::size_t base_size = 0;
    const auto base = bytes_of(network.base, base_size);
    bool matches = true;
    for (unsigned bit = 0; bit < network.prefix && matches; ++bit) {
      const auto mask = static_cast<unsigned char>(0x80U >> (bit % 8));
      matches = (peer[bit / 8] & mask) == (base[bit / 8] & mask);
    }
    if (matches) return true;
  }
  return false;
}

}  // namespace radloop::mllp::internal
