// MLLP server on Boost.Asio: one handler call per framed message, its reply framed back.
// The reply leaves only after the handler returns, so a handler that stores durably
// first gives "durable before acknowledged".
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "reference/core/result.hpp"
#include "reference/mllp/frame.hpp"

namespace radloop::mllp {

struct ServerConfig {
  std::string bind_address = "127.0.0.1";
  std::uint16_t port = 0;  // 0 = ephemeral; read the bound port from Server::port()
  std::size_t max_frame_bytes = kDefaultMaxFrameBytes;
  std::chrono::milliseconds idle_timeout{60'000};
  unsigned threads = 2;
};

struct InboundMessage {
  std::string payload;  // the bytes between <VT> and <FS>
  std::string peer;     // "address:port"
};

// Returns the reply payload (unframed). Called on a server thread; may block.
using MessageHandler = std::function<std::string(const InboundMessage&)>;

struct ServerStats {
  std::uint64_t connections_accepted = 0;
  std::uint64_t messages_received = 0;
  std::uint64_t replies_sent = 0;
  std::uint64_t bytes_discarded = 0;      // bytes seen outside any frame
  std::uint64_t connections_dropped = 0;  // closed by us: oversize frame, idle timeout
};

class Server {
 public:
  static Result<std::unique_ptr<Server>> start(ServerConfig config, MessageHandler handler);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  [[nodiscard]] std::uint16_t port() const;
  [[nodiscard]] ServerStats stats() const;
  void stop();

  class Impl;

 private:
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace radloop::mllp
