// MLLP server on Boost.Asio, over plain TCP or TLS: one handler call per framed message, its
// reply framed back. The reply leaves only after the handler returns, so a handler that stores
// durably first gives "durable before acknowledged"; stop() drains, so nothing accepted is lost.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

#include "reference/core/result.hpp"
#include "reference/mllp/frame.hpp"
#include "reference/mllp/tls.hpp"

namespace radloop::mllp {

struct ServerConfig {
  std::string bind_address = "127.0.0.1";
  std::uint16_t port = 0;  // 0 = ephemeral; read the bound port from Server::port()
  std::size_t max_frame_bytes = kDefaultMaxFrameBytes;
  // A peer that sends no whole message (or takes no reply) for this long is disconnected. Bytes
  // outside any frame are not activity: a trickle of them cannot hold a connection open.
  std::chrono::milliseconds idle_timeout{60'000};
  // A message must arrive whole within this of its first byte, however steadily its bytes come.
  std::chrono::milliseconds message_timeout{30'000};
  // Connections at once, in all and from one peer address. One more is closed as soon as it is
  // accepted, logged and counted (connections_refused).
  unsigned max_connections = 512;
  unsigned max_connections_per_peer = 64;
  // Empty: any peer address. Otherwise only these addresses and networks ("10.0.0.5",
  // "10.20.0.0/16", "fd00::/8"); a connection from elsewhere is closed as soon as it is accepted
  // (no ACK: a sender that is not ours gets nothing), logged and counted in connections_refused.
  std::vector<std::string> allowed_peers;
  // Bytes of unfinished frames held across every connection; a connection whose frame would pass
  // it is closed, so many large trickled frames cannot exhaust memory together.
  std::size_t max_buffered_bytes = std::size_t{256} << 20;
  // How long stop() lets in-flight messages finish before it cuts the connections.
  std::chrono::milliseconds drain_timeout{10'000};
  unsigned threads = 2;
  std::optional<ServerTls> tls = std::nullopt;  // absent: plain TCP
  // A defect, never on in a real configuration: each read is taken for a whole message, as a
  // naive reader does, so a frame split across TCP segments arrives as fragments.
  bool one_read_one_message = false;
};

struct InboundMessage {
  std::string payload;  // the bytes between <VT> and <FS>
  std::string peer;     // "address:port"
};

// Returns the reply payload (unframed). Called on a server thread; may block. If it throws, the
// peer gets no reply and the connection closes, so the sender retries instead of trusting a guess.
using MessageHandler = std::function<std::string(const InboundMessage&)>;

// Thrown by a handler that means to close the connection without answering (a simulated peer
// that does not reply); unlike any other exception it is not logged as a failure.
struct CloseWithoutReply : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct ServerStats {
  std::uint64_t connections_accepted = 0;
  std::uint64_t messages_received = 0;  // complete frames accepted for handling
  std::uint64_t replies_sent = 0;
  std::uint64_t bytes_discarded = 0;        // bytes seen outside any frame
  std::uint64_t connections_dropped = 0;    // closed by us: oversize frame, idle or message timeout, buffer budget
  std::uint64_t connections_refused = 0;    // closed at once: not allowed, or over a connection limit
  std::uint64_t tls_handshakes_failed = 0;  // includes plain-TCP peers talking to a TLS port
  // What stop() did: replies written after it began, connections it closed at once because
  // nothing was in flight, and connections still busy when the drain timeout passed.
  std::uint64_t drained_replies = 0;
  std::uint64_t idle_connections_closed_at_stop = 0;
  std::uint64_t connections_cut_at_drain_timeout = 0;
};

class Server {
 public:
  static Result<std::unique_ptr<Server>> start(ServerConfig config, MessageHandler handler);
  // Stops with the configured drain timeout.
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  [[nodiscard]] std::uint16_t port() const;
  [[nodiscard]] ServerStats stats() const;

  // Graceful stop: no new connections; handler calls in flight, and frames already received
  // (decoded, partly read, or waiting unread on the socket), are handled and their replies
  // written; each connection closes at its first quiet moment, an idle one at once. After
  // drain_timeout the rest are cut. Returns when every server thread has ended (a handler still
  // running is waited for). Call it from outside the handler.
  void stop();
  void stop(std::chrono::milliseconds drain_timeout);

  class Impl;

 private:
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace radloop::mllp
