// MLLP framing: <VT> payload <FS><CR>. Encoder and an incremental, size-bounded decoder.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "reference/core/result.hpp"

namespace radloop::mllp {

inline constexpr char kStartBlock = '\x0b';  // VT
inline constexpr char kEndBlock = '\x1c';    // FS
inline constexpr char kCarriageReturn = '\r';
inline constexpr std::size_t kDefaultMaxFrameBytes = std::size_t{16} * 1024 * 1024;

std::string frame(std::string_view payload);
// Appends the framed payload to out, so a caller can reuse one buffer for every message.
void append_frame(std::string& out, std::string_view payload);

// Feed bytes as they arrive, in any split; complete payloads come out in order.
// Tolerates bytes before <VT> (discarded, counted) and <FS> not followed by <CR>.
// A frame longer than the maximum is an error as soon as the limit is passed, so an
// oversized frame is never buffered whole; the caller closes the connection.
class FrameDecoder {
 public:
  explicit FrameDecoder(std::size_t max_frame_bytes = kDefaultMaxFrameBytes) : max_frame_bytes_(max_frame_bytes) {}

  Result<void> feed(std::string_view bytes, std::vector<std::string>& out);

  [[nodiscard]] bool in_frame() const { return state_ == State::in_frame; }
  // The bytes of the frame begun but not ended, handed on as if the frame were whole; the rest
  // of it will arrive outside any frame and be discarded. Only a defect does this (a reader that
  // takes one read for one message: ServerConfig::one_read_one_message).
  std::string take_partial_frame() {
    state_ = State::between_frames;
    return std::move(payload_);
  }
  [[nodiscard]] std::uint64_t discarded_bytes() const { return discarded_bytes_; }
  // Bytes of the frame begun and not yet ended, held here until its end block comes.
  [[nodiscard]] std::size_t buffered_bytes() const { return payload_.size(); }
  [[nodiscard]] std::uint64_t missing_cr() const { return missing_cr_; }

 private:
  enum class State { between_frames, in_frame, after_end_block, failed };

  std::size_t max_frame_bytes_;
  State state_ = State::between_frames;
  std::string payload_;
  std::uint64_t discarded_bytes_ = 0;
  std::uint64_t missing_cr_ = 0;
};

}  // namespace radloop::mllp
