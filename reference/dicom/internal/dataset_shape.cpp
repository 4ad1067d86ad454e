// The walk behind dataset_shape (see the header). Encoding rules from PS3.5 chapter 7: a tag, then
// in explicit VR two VR letters and a 2-byte length, or for the long-form VRs two reserved bytes
// and a 4-byte length; in implicit VR a 4-byte length. Items and delimiters (group FFFE) always
// have a 4-byte length. A sequence or item of undefined length (FFFFFFFF) ends at its delimiter.
#include "reference/dicom/internal/dataset_shape.hpp"

#include "reference/dicom/internal/dataset_walk.hpp"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dctag.h>
#include <dcmtk/dcmdata/dcxfer.h>
#include <fmt/format.h>
#include <zlib.h>

#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <functional>
#include <memory>
#include <optional>
#include <system_error>
#include <vector>

namespace radloop::dicom::internal {

Syntax syntax_of(std::string_view value) {
  Syntax s;
  for (const char c : value.substr(0, value.find('\0'))) {
    if (std::isspace(static_cast<unsigned char>(c)) == 0) s.uid += c;
  }
  const DcmXfer xfer(s.uid.c_str());
  s.known = xfer.getXfer() != EXS_Unknown;
  if (s.known) {
    s.encoding = {xfer.isExplicitVR() != OFFalse, xfer.getByteOrder() == EBO_BigEndian};
    s.deflated = xfer.getStreamCompression() == ESC_zlib;
  }
  return s;
}

std::uint16_t u16(const std::uint8_t* p, bool big) {
  return big ? static_cast<std::uint16_t>(p[0] << 8 | p[1]) : static_cast<std::uint16_t>(p[1] << 8 | p[0]);
}
std::uint32_t u32(const std::uint8_t* p, bool big) {
  const std::uint32_t a = u16(p, big);
  const std::uint32_t b = u16(p + 2, big);
  return big ? (a << 16 | b) : (b << 16 | a);
}

// VRs whose length is 4 bytes after two reserved ones in explicit VR (PS3.5 Table 7.1-1).
bool long_form(char a, char b) {
  static constexpr std::array<std::string_view, 13> kLong{"OB", "OD", "OF", "OL", "OV", "OW", "SQ",
                                                          "SV", "UC", "UN", "UR", "UT", "UV"};
  const std::array<char, 2> vr{a, b};
  return std::find(kLong.begin(), kLong.end(), std::string_view(vr.data(), vr.size())) != kLong.end();
}

// The VRs PS3.5 Table 6.2-1 defines. DCMTK reads any other two capitals as a VR of the future
// (long form, and with an undefined length as a sequence): where the walk and DCMTK could read the
// same bytes differently, the walk refuses instead of guessing.
bool is_vr(char a, char b) {
  static constexpr std::array<std::string_view, 34> kKnown{
      "AE", "AS", "AT", "CS", "DA", "DS", "DT", "FD", "FL", "IS", "LO", "LT", "OB", "OD", "OF", "OL", "OV",
      "OW", "PN", "SH", "SL", "SQ", "SS", "ST", "SV", "TM", "UC", "UI", "UL", "UN", "UR", "US", "UT", "UV"};
  const std::array<char, 2> vr{a, b};
  return std::find(kKnown.begin(), kKnown.end(), std::string_view(vr.data(), vr.size())) != kKnown.end();
}

namespace {

constexpr std::uint64_t kNoEnd = ~std::uint64_t{0};
constexpr std::uint16_t kItemGroup = 0xFFFE;
constexpr std::uint16_t kItem = 0xE000;
constexpr std::uint16_t kItemEnd = 0xE00D;
constexpr std::uint16_t kSequenceEnd = 0xE0DD;

std::string tag_text(std::uint16_t group, std::uint16_t element) {
  return fmt::format("({:04X},{:04X})", group, element);
}

struct Open {
  enum class Kind { sequence, item, fragments };
  Kind kind;
  std::uint64_t end;  // kNoEnd: undefined length, ends at its delimiter
  Encoding encoding;  // how the elements inside are encoded
  std::string tag;    // of the sequence it belongs to, for messages
};

class Walker {
 public:
  // `prefix_cap` non-zero: the bytes are the start of a data set still arriving, which may be no
  // longer than that in all. Where the bytes end is then no error; a value, item or sequence
  // declared to end past the cap is.
  Walker(Source& in, Encoding top, const DatasetLimits& limits, std::uint64_t prefix_cap = 0)
      : in_(in), top_(top), limits_(limits), prefix_cap_(prefix_cap) {}

  Result<DatasetShape> walk() {
    while (true) {
      if (auto closed = close_finished(); !closed) return closed.error();
      if (in_.at_end()) break;
      if (auto stepped = step(); !stepped) return stepped.error();
      if (stopped_) return shape_;
    }
    if (!open_.empty() && prefix_cap_ == 0) {
      return refuse(fmt::format("{} {} never ends: the data stops inside it",
                                open_.back().kind == Open::Kind::item ? "an item of sequence" : "sequence",
                                open_.back().tag));
    }
    return shape_;
  }

 private:
  Error refuse(std::string detail) const {
    return Error{Errc::dicom_refused, fmt::format("data set, byte {}", in_.position()), std::move(detail)};
  }

  // The bytes end here: for a whole data set an error, for a prefix where the walk stops.
  Result<void> cut(std::string detail) {
    if (prefix_cap_ == 0) return refuse(std::move(detail));
    stopped_ = true;
    return {};
  }

  // A value of `length` bytes from here that the bytes do not hold: cut, unless no continuation
  // could hold it either.
  Result<void> cut_value(std::uint64_t length, std::string detail) {
    if (prefix_cap_ != 0 && in_.position() + length > prefix_cap_) {
      return refuse(fmt::format("{} declares {} bytes; the whole may have at most {}", detail, length, prefix_cap_));
    }
    for (const auto& outer : open_) {
      if (outer.end != kNoEnd && in_.position() + length > outer.end) {
        return refuse(detail + " runs past the end of " + outer.tag);
      }
    }
    return cut(detail + " runs past the end");
  }

  // Pops every container of defined length that ends where the walk is.
  Result<void> close_finished() {
    while (!open_.empty() && open_.back().end != kNoEnd && in_.position() >= open_.back().end) {
      if (in_.position() > open_.back().end)
        return refuse("an element runs past the end of its item or sequence " + open_.back().tag);
      pop();
    }
    return {};
  }

  void pop() {
    if (open_.back().kind == Open::Kind::sequence) --depth_;
    open_.pop_back();
  }

  Result<void> push(Open::Kind kind, std::uint32_t length, Encoding inside, std::string tag) {
    std::uint64_t end = kNoEnd;
    if (length != kUndefinedLength) {
      end = in_.position() + length;
      if (prefix_cap_ != 0 && end > prefix_cap_) {
        return refuse(fmt::format("{} declares {} bytes; the whole may have at most {}", tag, length, prefix_cap_));
      }
      if (prefix_cap_ == 0 && end > in_.size()) return refuse(tag + " is longer than the data left");
      for (const auto& outer : open_) {
        if (outer.end != kNoEnd && end > outer.end) return refuse(tag + " runs past the end of " + outer.tag);
      }
    }
    if (kind == Open::Kind::sequence) {
      if (++depth_ > limits_.max_depth) {
        return refuse(
            fmt::format("sequence {} is nested {} levels deep; the limit is {}", tag, depth_, limits_.max_depth));
      }
      shape_.depth = std::max(shape_.depth, depth_);
    }
    open_.push_back(Open{kind, end, inside, std::move(tag)});
    return {};
  }

  Result<void> step() {
    const Encoding enc = open_.empty() ? top_ : open_.back().encoding;
    std::array<std::uint8_t, 8> head{};
    if (!in_.read(head.data(), 4)) return cut("the data ends inside an element tag");
    const auto group = u16(head.data(), enc.big_endian);
    const auto element = u16(head.data() + 2, enc.big_endian);
    if (++shape_.elements > limits_.max_elements)
      return refuse(fmt::format("more than {} elements; the limit is {}", limits_.max_elements, limits_.max_elements));
    if (group == kItemGroup) return item_or_delimiter(element, enc);
    const auto tag = tag_text(group, element);
    if (!open_.empty() && open_.back().kind != Open::Kind::item)
      return refuse("element " + tag + " sits in sequence " + open_.back().tag + " outside any item");

    std::uint32_t length = 0;
    std::array<char, 2> vr{};
    if (enc.explicit_vr) {
      if (!in_.read(head.data(), 2)) return cut("the data ends inside the header of " + tag);
      vr[0] = static_cast<char>(head[0]);
      vr[1] = static_cast<char>(head[1]);
      if (!is_vr(vr[0], vr[1]))
        return refuse(fmt::format("element {} has no standard VR (bytes {:02X} {:02X})", tag, head[0], head[1]));
      if (long_form(vr[0], vr[1])) {
        if (!in_.read(head.data(), 6)) return cut("the data ends inside the header of " + tag);
        length = u32(head.data() + 2, enc.big_endian);
      } else {
        if (!in_.read(head.data(), 2)) return cut("the data ends inside the header of " + tag);
        length = u16(head.data(), enc.big_endian);
      }
    } else {
      if (!in_.read(head.data(), 4)) return cut("the data ends inside the header of " + tag);
      length = u32(head.data(), enc.big_endian);
    }

    const std::string_view vr_text(vr.data(), vr.size());
    const bool pixel_data = group == 0x7FE0 && element == 0x0010;
    if (enc.explicit_vr) {
      if (vr_text == "SQ") return push(Open::Kind::sequence, length, enc, tag);
      // PS3.5 6.2.2: UN of undefined length holds a sequence in implicit VR little endian.
      if (vr_text == "UN" && length == kUndefinedLength) return push(Open::Kind::sequence, length, {false, false}, tag);
      if (length == kUndefinedLength) {
        if (vr_text == "OB" || vr_text == "OW") return push(Open::Kind::fragments, length, enc, tag);
        return refuse("element " + tag + " (" + std::string(vr_text) + ") has an undefined length");
      }
    } else if (length == kUndefinedLength) {
      return push(pixel_data ? Open::Kind::fragments : Open::Kind::sequence, length, enc, tag);
    } else if (implicit_sequence(group, element, length)) {
      return push(Open::Kind::sequence, length, enc, tag);
    }
    const auto before = in_.position();
    if (!in_.skip(length)) {
      in_.seek(before);
      if (prefix_cap_ != 0) return cut_value(length, "the value of " + tag);
      return refuse(fmt::format("the value of {} ({} bytes) runs past the end", tag, length));
    }
    return {};
  }

  // In implicit VR a sequence of defined length looks like any value: the dictionary says which
  // tags are sequences. A private tag is one when its value starts with an item, as DCMTK reads
  // private sequences its own dictionary knows.
  bool implicit_sequence(std::uint16_t group, std::uint16_t element, std::uint32_t length) {
    if (length == 0) return false;
    if (DcmTag(DcmTagKey(group, element)).getEVR() == EVR_SQ) return true;
    if ((group & 1U) == 0 || length < 8) return false;
    std::array<std::uint8_t, 4> first{};
    return in_.peek(first.data(), first.size()) && u16(first.data(), false) == kItemGroup &&
           u16(first.data() + 2, false) == kItem;
  }

  Result<void> item_or_delimiter(std::uint16_t element, Encoding enc) {
    std::array<std::uint8_t, 4> raw{};
    if (!in_.read(raw.data(), 4)) return cut("the data ends inside an item header");
    const auto length = u32(raw.data(), enc.big_endian);
    const bool in_item = !open_.empty() && open_.back().kind == Open::Kind::item;
    if (element == kItem) {
      if (open_.empty() || in_item) return refuse("an item outside any sequence");
      if (open_.back().kind == Open::Kind::fragments) {
        // Encapsulated pixel data: a fragment's bytes are opaque.
        if (length == kUndefinedLength)
          return refuse("a pixel data fragment of undefined length in " + open_.back().tag);
        const auto before = in_.position();
        if (!in_.skip(length)) {
          in_.seek(before);
          if (prefix_cap_ != 0) return cut_value(length, "a pixel data fragment in " + open_.back().tag);
          return refuse("a pixel data fragment runs past the end in " + open_.back().tag);
        }
        return {};
      }
      return push(Open::Kind::item, length, open_.back().encoding, open_.back().tag);
    }
    if (element == kItemEnd) {
      if (!in_item || open_.back().end != kNoEnd)
        return refuse("an item delimiter where no item of undefined length is open");
      pop();
      return {};
    }
    if (element == kSequenceEnd) {
      if (open_.empty() || in_item || open_.back().end != kNoEnd)
        return refuse("a sequence delimiter where no sequence of undefined length is open");
      pop();
      return {};
    }
    return refuse(fmt::format("unknown item tag (FFFE,{:04X})", element));
  }

  Source& in_;
  Encoding top_;
  const DatasetLimits& limits_;
  std::vector<Open> open_;
  unsigned depth_ = 0;
  DatasetShape shape_;
  std::uint64_t prefix_cap_ = 0;
  bool stopped_ = false;  // a prefix's bytes ended: nothing more to judge yet
};

Result<std::string> inflate_rest(std::string_view deflated, std::uint64_t cap) {
  z_stream z{};
  if (inflateInit2(&z, -MAX_WBITS) != Z_OK) return Error{Errc::internal, "zlib", "cannot start inflating"};
  const std::unique_ptr<z_stream, int (*)(z_stream*)> guard(&z, inflateEnd);
  std::string out;
  std::array<char, 65536> chunk{};
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(deflated.data()));  // zlib does not write it
  z.avail_in = static_cast<uInt>(std::min<std::size_t>(deflated.size(), 0xFFFFFFFFU));
  while (true) {
    z.next_out = reinterpret_cast<Bytef*>(chunk.data());
    z.avail_out = chunk.size();
    const int rc = inflate(&z, Z_NO_FLUSH);
    out.append(chunk.data(), chunk.size() - z.avail_out);
    if (out.size() > cap) {
      return Error{Errc::dicom_refused, "deflated data set", fmt::format("inflates to more than {} bytes", cap)};
    }
    if (rc == Z_STREAM_END || (rc == Z_BUF_ERROR && z.avail_in == 0)) break;
    if (rc != Z_OK) return Error{Errc::dicom_refused, "deflated data set", "the deflated bytes are corrupt"};
  }
  return out;
}

}  // namespace

Result<DatasetShape> walk_source(Source& in, Encoding top, const DatasetLimits& limits, std::uint64_t prefix_cap) {
  return Walker(in, top, limits, prefix_cap).walk();
}

Result<DatasetShape> walk_bytes(std::string_view bytes, std::string_view transfer_syntax_uid,
                                const DatasetLimits& limits, std::uint64_t inflated_cap) {
  const auto syntax = syntax_of(transfer_syntax_uid);
  if (syntax.deflated) {
    auto inflated = inflate_rest(bytes, inflated_cap);
    if (!inflated) return inflated.error();
    MemorySource source(*inflated);
    return walk_source(source, syntax.encoding, limits);
  }
  MemorySource source(bytes);
  return walk_source(source, syntax.encoding, limits);
}

Result<DatasetShape> dataset_shape(std::string_view bytes, std::string_view transfer_syntax_uid,
                                   const DatasetLimits& limits) {
  // Held in memory whole: inflated no larger than such a data set may be received.
  return walk_bytes(bytes, transfer_syntax_uid, limits, limits.max_in_memory_bytes);
}

Result<DatasetShape> dataset_prefix_shape(std::string_view bytes, std::string_view transfer_syntax_uid,
                                          const DatasetLimits& limits, std::uint64_t total_bytes) {
  MemorySource source(bytes);
  return walk_source(source, syntax_of(transfer_syntax_uid).encoding, limits, total_bytes);
}

}  // namespace radloop::dicom::internal
