// MLLP frame encoder and the incremental decoder's state machine.
#include "reference/mllp/frame.hpp"

#include <fmt/format.h>

namespace radloop::mllp {

std::string frame(std::string_view payload) {
  std::string out;
  out.reserve(payload.size() + 3);
  append_frame(out, payload);
  return out;
}

void append_frame(std::string& out, std::string_view payload) {
  out += kStartBlock;
  out += payload;
  out += kEndBlock;
  out += kCarriageReturn;
}

Result<void> FrameDecoder::feed(std::string_view bytes, std::vector<std::string>& out) {
  std::size_t i = 0;
  while (i < bytes.size()) {
    switch (state_) {
      case State::failed:
        return Error{Errc::mllp_bad_frame, "", "the decoder already failed; the connection must be closed"};

      case State::after_end_block:
        // <FS> must be followed by <CR>; a peer that omits it still delivered the message.
        if (bytes[i] == kCarriageReturn) {
          ++i;
        } else {
          ++missing_cr_;
        }
        state_ = State::between_frames;
        break;

      case State::between_frames: {
        const auto start = bytes.find(kStartBlock, i);
        const auto skipped = (start == std::string_view::npos ? bytes.size() : start) - i;
        discarded_bytes_ += skipped;
        if (start == std::string_view::npos) return {};
        i = start + 1;
        state_ = State::in_frame;
        payload_.clear();
        break;
      }

      case State::in_frame: {
        const auto end = bytes.find(kEndBlock, i);
        const auto take = (end == std::string_view::npos ? bytes.size() : end) - i;
        if (payload_.size() + take > max_frame_bytes_) {
          state_ = State::failed;
          payload_.clear();
          payload_.shrink_to_fit();
          return Error{Errc::mllp_frame_too_large, "",
                       fmt::format("more than {} bytes without an end block", max_frame_bytes_)};
        }
        payload_.append(bytes.substr(i, take));
        if (end == std::string_view::npos) return {};
        out.push_back(std::move(payload_));
        payload_.clear();
        i = end + 1;
        state_ = State::after_end_block;
        break;
      }
    }
  }
  return {};
}

}  // namespace radloop::mllp
