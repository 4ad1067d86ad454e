// Following a peer's PDU stream (see the header). Headers are collected across reads, since a
// read may end anywhere; bodies are skipped by count, except a command's fragments.
#include "reference/dicom/internal/pdu_guard.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <utility>

#include "reference/dicom/internal/dataset_shape.hpp"

namespace radloop::dicom::internal {
namespace {

constexpr std::uint8_t kAssociateRq = 0x01;
constexpr std::uint8_t kPData = 0x04;
constexpr std::size_t kPduHeader = 6;  // type, reserved, 32-bit length
constexpr std::size_t kPdvHeader = 6;  // 32-bit item length, presentation context ID, control header
constexpr const char* kImplicitLittle = "1.2.840.10008.1.2";  // every command set's encoding (PS3.7 6.3.1)
// A command set of a few hundred bytes comes in one fragment, rarely a few: many more is a peer
// making the guard walk the same bytes again and again.
constexpr unsigned kMaxCommandFragments = 32;

std::uint32_t big_endian32(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 24U) | (std::uint32_t{p[1]} << 16U) | (std::uint32_t{p[2]} << 8U) | p[3];
}

std::uint16_t little16(std::string_view s, std::size_t at) {
  return static_cast<std::uint16_t>(static_cast<std::uint8_t>(s[at]) | (static_cast<std::uint8_t>(s[at + 1]) << 8U));
}

// Whether a command set announces a data set: Command Data Set Type (0000,0800) is anything but
// 0x0101 (PS3.7 E.1). A command that does not say (absent, or behind an element of undefined
// length, which no request command has) announces none.
bool announces_data_set(std::string_view command) {
  std::size_t at = 0;
  while (at + 8 <= command.size()) {
    const auto group = little16(command, at);
    const auto element = little16(command, at + 2);
    const std::uint32_t length = little16(command, at + 4) | (std::uint32_t{little16(command, at + 6)} << 16U);
    at += 8;
    if (length > command.size() - at) return false;  // undefined length included
    if (group == 0x0000 && element == 0x0800) return length == 2 && little16(command, at) != 0x0101;
    at += length;
  }
  return false;
}

std::string_view pdu_name(std::uint8_t type) {
  switch (type) {
    case 0x01: return "A-ASSOCIATE-RQ";
    case 0x02: return "A-ASSOCIATE-AC";
    case 0x03: return "A-ASSOCIATE-RJ";
    case 0x04: return "P-DATA-TF";
    case 0x05: return "A-RELEASE-RQ";
    case 0x06: return "A-RELEASE-RP";
    case 0x07: return "A-ABORT";
    default: return "unknown";
  }
}

}  // namespace

Result<void> PduGuard::refuse(std::string where, std::string detail) {
  refused_ = Error{Errc::dicom_refused, std::move(where), std::move(detail)};
  return *refused_;
}

Result<void> PduGuard::feed(std::string_view bytes) {
  if (refused_) return *refused_;
  const auto* p =
      reinterpret_cast<const std::uint8_t*>(bytes.data());  // NOLINT(cppcoreguidelines-pro-type-reinterpret-cast)
  std::size_t left = bytes.size();
  const auto take_header = [&](std::size_t size) {
    const auto n = std::min(size - header_have_, left);
    std::copy_n(p, n, header_.begin() + static_cast<std::ptrdiff_t>(header_have_));
    header_have_ += n;
    p += n;
    left -= n;
    return header_have_ == size;
  };
  while (left > 0) {
    switch (stage_) {
      case Stage::pdu_header:
        if (!take_header(kPduHeader)) break;
        header_have_ = 0;
        if (auto r = pdu_started(); !r) return r;
        break;
      case Stage::pdu_body: {
        const auto n = static_cast<std::uint32_t>(std::min<std::size_t>(pdu_left_, left));
        if (pdu_type_ == kAssociateRq) {
          associate_.append(reinterpret_cast<const char*>(p),
                            n);  // NOLINT(cppcoreguidelines-pro-type-reinterpret-cast)
        }
        p += n;
        left -= n;
        pdu_left_ -= n;
        if (pdu_left_ == 0) {
          stage_ = Stage::pdu_header;
          if (pdu_type_ == kAssociateRq) {
            if (auto r = associate_complete(); !r) return r;
          }
        }
        break;
      }
      case Stage::pdv_header:
        if (!take_header(kPdvHeader)) break;
        header_have_ = 0;
        if (auto r = pdv_started(); !r) return r;
        break;
      case Stage::pdv_body: {
        const auto n = static_cast<std::uint32_t>(std::min<std::size_t>(pdv_left_, left));
        if (pdv_command_) {
          if (command_.size() + n > limits_.max_command_bytes) {
            return refuse(fmt::format("PDU {} (P-DATA-TF)", pdus_),
                          fmt::format("the command set is longer than {} bytes", limits_.max_command_bytes));
          }
          command_.append(reinterpret_cast<const char*>(p), n);  // NOLINT(cppcoreguidelines-pro-type-reinterpret-cast)
        }
        p += n;
        left -= n;
        pdv_left_ -= n;
        pdu_left_ -= n;
        if (pdv_left_ == 0) {
          if (auto r = pdv_ended(); !r) return r;
        }
        break;
      }
    }
  }
  return {};
}

Result<void> PduGuard::pdu_started() {
  ++pdus_;
  pdu_type_ = header_[0];
  pdu_left_ = big_endian32(&header_[2]);
  const auto limit = pdu_type_ == kPData         ? limits_.max_pdata_bytes
                     : pdu_type_ == kAssociateRq ? limits_.max_associate_bytes
                                                 : limits_.max_other_bytes;
  if (pdu_left_ > limit) {
    return refuse(fmt::format("PDU {} ({}, type {:#04x})", pdus_, pdu_name(pdu_type_), pdu_type_),
                  fmt::format("{} bytes long; the limit is {}", pdu_left_, limit));
  }
  if (pdu_left_ == 0) return {};  // an empty body: the next PDU follows
  stage_ = pdu_type_ == kPData ? Stage::pdv_header : Stage::pdu_body;
  if (pdu_type_ == kPData && pdu_left_ < kPdvHeader) {
    return refuse(fmt::format("PDU {} (P-DATA-TF)", pdus_),
                  fmt::format("{} bytes cannot hold a presentation data value item", pdu_left_));
  }
  return {};
}

Result<void> PduGuard::pdv_started() {
  const auto item_length = big_endian32(header_.data());
  pdu_left_ -= static_cast<std::uint32_t>(kPdvHeader);
  if (item_length < 2 || item_length - 2 > pdu_left_) {
    return refuse(
        fmt::format("PDU {} (P-DATA-TF)", pdus_),
        fmt::format("a presentation data value item of length {} where {} bytes remain", item_length, pdu_left_ + 2));
  }
  const auto control = header_[5];
  pdv_command_ = (control & 0x01U) != 0;
  pdv_last_ = (control & 0x02U) != 0;
  pdv_left_ = item_length - 2;
  pdv_length_ = pdv_left_;
  // A message is its command, then its data set when the command announced one (PS3.7 6.3.1).
  // DCMTK reads whatever fragment comes where it awaits a command as a command, a data set's
  // included, before it looks at the fragment's type: out of step, it would parse a data set's
  // bytes under none of the command's limits.
  if (!pdv_command_ && !data_set_due_) {
    return refuse(fmt::format("PDU {} (P-DATA-TF)", pdus_),
                  "a data set fragment where a command was due (the last command announced no data set)");
  }
  if (pdv_command_ && data_set_due_) {
    return refuse(fmt::format("PDU {} (P-DATA-TF)", pdus_), "a command fragment where the rest of a data set was due");
  }
  if (pdv_command_ && ++command_fragments_ > kMaxCommandFragments) {
    return refuse(fmt::format("PDU {} (P-DATA-TF)", pdus_),
                  fmt::format("the command set comes in more than {} fragments", kMaxCommandFragments));
  }
  // Refused on the fragment's header, before any of its bytes reach DCMTK (which parses every
  // command fragment as soon as it has it).
  if (pdv_command_ && command_.size() + pdv_left_ > limits_.max_command_bytes) {
    return refuse(fmt::format("PDU {} (P-DATA-TF)", pdus_),
                  fmt::format("the command set is longer than {} bytes", limits_.max_command_bytes));
  }
  stage_ = Stage::pdv_body;
  return pdv_left_ == 0 ? pdv_ended() : Result<void>{};
}

Result<void> PduGuard::pdv_ended() {
  if (!pdv_command_ && pdv_last_) data_set_due_ = false;
  if (pdv_command_ && pdv_last_) {
    if (auto r = command_complete(); !r) return r;
  } else if (pdv_command_ && pdv_length_ > 0) {
    // DCMTK parses this fragment as soon as its PDU is whole, allocating each value at the length
    // it declares: the command so far is judged before that (a 4 GiB length is refused here).
    // Each walk reads the command from its start, so fragments are counted (pdv_started).
    auto shape = dataset_prefix_shape(command_, kImplicitLittle, limits_.command, limits_.max_command_bytes);
    if (!shape) {
      return refuse(fmt::format("command set in PDU {}", pdus_), shape.error().where + ": " + shape.error().detail);
    }
  }
  if (pdu_left_ == 0) {
    stage_ = Stage::pdu_header;
    return {};
  }
  if (pdu_left_ < kPdvHeader) {
    return refuse(fmt::format("PDU {} (P-DATA-TF)", pdus_),
                  fmt::format("{} bytes cannot hold a presentation data value item", pdu_left_));
  }
  stage_ = Stage::pdv_header;
  return {};
}

Result<void> PduGuard::associate_complete() {
  const std::string body = std::move(associate_);
  associate_.clear();
  const auto be16 = [&](std::size_t at) {
    return static_cast<std::size_t>((static_cast<std::uint8_t>(body[at]) << 8U) |
                                    static_cast<std::uint8_t>(body[at + 1]));
  };
  // Variable items follow the protocol version, two reserved bytes, the called and calling AE
  // titles and 32 reserved bytes (PS3.8 9.3.2). Framing that does not hold is DCMTK's to refuse.
  constexpr std::size_t kFixedPart = 68;
  constexpr std::uint8_t kUserInformation = 0x50;
  constexpr std::uint8_t kUserIdentity = 0x58;
  unsigned identities = 0;
  for (std::size_t at = kFixedPart; at + 4 <= body.size();) {
    const auto end = at + 4 + be16(at + 2);
    if (end > body.size()) break;
    if (static_cast<std::uint8_t>(body[at]) == kUserInformation) {
      for (std::size_t sub = at + 4; sub + 4 <= end; sub += 4 + be16(sub + 2)) {
        if (static_cast<std::uint8_t>(body[sub]) == kUserIdentity && ++identities > 1) {
          return refuse(fmt::format("PDU {} (A-ASSOCIATE-RQ)", pdus_),
                        "more than one User Identity sub-item (PS3.7 D.3.3.7 allows one)");
        }
      }
    }
    at = end;
  }
  return {};
}

Result<void> PduGuard::command_complete() {
  auto shape = dataset_shape(command_, kImplicitLittle, limits_.command);
  data_set_due_ = shape && announces_data_set(command_);
  command_.clear();
  command_fragments_ = 0;
  if (!shape)
    return refuse(fmt::format("command set in PDU {}", pdus_), shape.error().where + ": " + shape.error().detail);
  return {};
}

}  // namespace radloop::dicom::internal
