// Blocking MLLP client: one connection, send a payload, wait for the framed reply.
// Every wait is bounded; a missing reply is reply_timeout (outcome unknown), never a guess.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "reference/core/result.hpp"
#include "reference/mllp/frame.hpp"

namespace radloop::mllp {

struct ClientConfig {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
  std::chrono::milliseconds connect_timeout{5'000};
  std::chrono::milliseconds reply_timeout{30'000};
  std::size_t max_frame_bytes = kDefaultMaxFrameBytes;
};

class Client {
 public:
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

  class Impl;

 private:
  explicit Client(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace radloop::mllp
