// The two stream types MLLP runs over, plain TCP and TLS over TCP, and what differs between them.
// Code is a template over the stream, so the plain path pays nothing for TLS being possible.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <string>
#include <type_traits>

namespace radloop::mllp::internal {

using PlainStream = boost::asio::ip::tcp::socket;
using TlsStream = boost::asio::ssl::stream<boost::asio::ip::tcp::socket>;

template <typename Stream>
inline constexpr bool kIsTls = std::is_same_v<Stream, TlsStream>;

inline PlainStream& socket_of(PlainStream& stream) { return stream; }
inline PlainStream& socket_of(TlsStream& stream) { return stream.next_layer(); }
inline const PlainStream& socket_of(const PlainStream& stream) { return stream; }
inline const PlainStream& socket_of(const TlsStream& stream) { return stream.next_layer(); }

// One reply or one request is one write; Nagle's algorithm would only hold it back.
inline void disable_nagle(PlainStream& socket) {
  boost::system::error_code ignored;
  socket.set_option(boost::asio::ip::tcp::no_delay(true), ignored);
}

inline std::string endpoint_text(const PlainStream& socket) {
  boost::system::error_code ec;
  const auto remote = socket.remote_endpoint(ec);
  return ec ? std::string("unknown") : remote.address().to_string() + ":" + std::to_string(remote.port());
}

}  // namespace radloop::mllp::internal
