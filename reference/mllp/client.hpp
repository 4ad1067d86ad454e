// Blocking MLLP client over plain TCP or TLS: one connection, send a payload, wait for the
// framed reply. Every wait is bounded; a missing reply is reply_timeout (outcome unknown), never a guess.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "reference/core/result.hpp"
#include "reference/mllp/frame.hpp"
#include "reference/mllp/tls.hpp"

namespace radloop::mllp {

struct ClientConfig {
  std::string host = "127.0.0.1";  // an IP address
  std::uint16_t port = 0;
  std::chrono::milliseconds connect_timeout{5'000};  // TCP connect and, with TLS, the handshake
  std::chrono::milliseconds reply_timeout{30'000};
  std::size_t max_frame_bytes = kDefaultMaxFrameBytes;
  std::optional<ClientTls> tls = std::nullopt;  // absent: plain TCP
};

// Builds the TLS context a client with these settings would use, so that a file that cannot be
// used (not PEM, a key that is not the certificate's) is said before anything is sent.
Result<void> check_client_tls(const ClientTls& tls);

class Client {
 public:
  // Errors: connect_failed (nothing listening, or no answer within connect_timeout),
  // tls_handshake_failed (the detail says why, e.g. the certificate was not trusted), invalid_config.
  static Result<std::unique_ptr<Client>> connect(const ClientConfig& config);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Sends one payload framed and returns the next reply payload.
  Result<std::string> exchange(std::string_view payload);

  // Sends raw bytes as they are (no framing): for tests and faults that split or corrupt frames.
  Result<void> send_raw(std::string_view bytes);
  // Waits for the next framed reply.
  Result<std::string> receive();

  // True when the peer has closed or reset the connection; checked without blocking, so a
  // long-lived client can reconnect before it sends rather than lose a send to a dead socket.
  [[nodiscard]] bool peer_has_closed() const;
  // Bytes or frames arrived that no exchange asked for; exchange() refuses to run over them.
  [[nodiscard]] bool has_unread_input() const;

  class Impl;

 private:
  explicit Client(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace radloop::mllp
