// The walk behind dataset_shape (see the header). Encoding rules from PS3.5 chapter 7: a tag, then
// in explicit VR two VR letters and a 2-byte length, or for the long-form VRs two reserved bytes
// and a 4-byte length; in implicit VR a 4-byte length. Items and delimiters (group FFFE) always
// have a 4-byte length. A sequence or item of undefined length (FFFFFFFF) ends at its delimiter.
#include "reference/dicom/internal/dataset_shape.hpp"

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
namespace {

constexpr std::uint32_t kUndefinedLength = 0xFFFFFFFF;
constexpr std::uint64_t kNoEnd = ~std::uint64_t{0};
constexpr std::uint16_t kItemGroup = 0xFFFE;
constexpr std::uint16_t kItem = 0xE000;
constexpr std::uint16_t kItemEnd = 0xE00D;
constexpr std::uint16_t kSequenceEnd = 0xE0DD;
// A deflated data set is inflated into memory to be walked; beyond this it is refused.
constexpr std::uint64_t kMaxInflatedBytes = 256ULL << 20;
constexpr std::size_t kPreamble = 128;

struct Encoding {
  bool explicit_vr = true;
  bool big_endian = false;
};

// A transfer syntax as DCMTK takes it: the value up to its first NUL, whitespace dropped, and
// its encoding from DCMTK's own table (so a private syntax DCMTK reads as implicit VR is walked
// as implicit VR, and one it inflates is inflated).
struct Syntax {
  bool known = false;
  Encoding encoding;
  bool deflated = false;
  std::string uid;
};

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

std::string tag_text(std::uint16_t group, std::uint16_t element) {
  return fmt::format("({:04X},{:04X})", group, element);
}

// Bytes to walk: a view in memory, or a file read a buffer at a time (values are skipped, so a
// large pixel data element is never read).
class Source {
 public:
  virtual ~Source() = default;
  // Exactly n bytes, or false when fewer remain.
  virtual bool read(std::uint8_t* out, std::size_t n) = 0;
  bool peek(std::uint8_t* out, std::size_t n) {
    const auto at = pos_;
    const bool got = read(out, n);
    pos_ = at;
    return got;
  }
  void seek(std::uint64_t to) { pos_ = std::min(to, size_); }
  bool skip(std::uint64_t n) {
    if (n > size_ - pos_) return false;
    pos_ += n;
    return true;
  }
  [[nodiscard]] std::uint64_t position() const { return pos_; }
  [[nodiscard]] std::uint64_t size() const { return size_; }
  [[nodiscard]] bool at_end() const { return pos_ >= size_; }

 protected:
  std::uint64_t pos_ = 0;
  std::uint64_t size_ = 0;
};

class MemorySource final : public Source {
 public:
  explicit MemorySource(std::string_view bytes) : bytes_(bytes) { size_ = bytes.size(); }
  bool read(std::uint8_t* out, std::size_t n) override {
    if (n > size_ - pos_) return false;
    std::memcpy(out, bytes_.data() + pos_, n);
    pos_ += n;
    return true;
  }

 private:
  std::string_view bytes_;
};

class FileSource final : public Source {
 public:
  FileSource(std::FILE* file, std::uint64_t size) : file_(file) { size_ = size; }
  bool read(std::uint8_t* out, std::size_t n) override {
    if (n > size_ - pos_) return false;
    if (pos_ < start_ || pos_ + n > start_ + filled_) {
      if (::fseeko(file_, static_cast<off_t>(pos_), SEEK_SET) != 0) return false;
      start_ = pos_;
      filled_ = std::fread(buffer_.data(), 1, buffer_.size(), file_);
      if (filled_ < n) return false;
    }
    std::memcpy(out, buffer_.data() + (pos_ - start_), n);
    pos_ += n;
    return true;
  }

 private:
  std::FILE* file_;
  std::array<std::uint8_t, 65536> buffer_{};
  std::uint64_t start_ = 0;
  std::size_t filled_ = 0;
};

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

// `inflated_cap`: how large a deflated data set may become once inflated.
Result<DatasetShape> walk_bytes(std::string_view bytes, std::string_view transfer_syntax_uid,
                                const DatasetLimits& limits, std::uint64_t inflated_cap) {
  const auto syntax = syntax_of(transfer_syntax_uid);
  if (syntax.deflated) {
    auto inflated = inflate_rest(bytes, inflated_cap);
    if (!inflated) return inflated.error();
    MemorySource source(*inflated);
    return Walker(source, syntax.encoding, limits).walk();
  }
  MemorySource source(bytes);
  return Walker(source, syntax.encoding, limits).walk();
}

// Leaves `in` at the start of the data set. With a meta header: its Transfer Syntax UID (explicit
// VR little endian, group 0002 only, PS3.10 7.1); without one: nothing, and `in` back at byte 0,
// where a bare data set starts. DCMTK also takes a meta header without the preamble and "DICM"
// when the first tag is in group 0002, and parses a sequence in it: the walk finds the same
// header, and refuses one that is not flat or whose group length (0002,0000) disagrees with where
// the group ends, where the two readers could part ways.
Result<std::optional<std::string>> read_meta(Source& in) {
  std::array<std::uint8_t, 8> head{};
  const bool dicm = in.skip(kPreamble) && in.read(head.data(), 4) && std::memcmp(head.data(), "DICM", 4) == 0;
  if (!dicm) {
    in.seek(0);
    if (!in.peek(head.data(), 2)) return std::optional<std::string>();
    // DCMTK takes bytes 00 02 for a meta header too, read big endian: not a reading to share.
    if (head[0] == 0x00 && head[1] == 0x02) return Error{Errc::dicom_refused, "file meta header", "it is big endian"};
    if (u16(head.data(), false) != 0x0002) return std::optional<std::string>();
  }
  const auto refuse = [](std::string detail) {
    return Error{Errc::dicom_refused, "file meta header", std::move(detail)};
  };
  std::string transfer_syntax;
  bool seen_syntax = false;
  std::optional<std::uint64_t> declared_end;
  std::uint64_t group_end = in.position();
  while (!in.at_end()) {
    const auto at = in.position();
    if (!in.read(head.data(), 4)) return refuse("the data ends inside the meta header");
    if (u16(head.data(), false) != 0x0002) {
      // DCMTK goes on with the meta header while the next tag starts 02 00 or 00 02.
      if (head[0] == 0x00 && head[1] == 0x02)
        return refuse("a tag of group 0200 follows it, which DCMTK would read as part of it");
      in.seek(at);
      break;
    }
    const auto element = u16(head.data() + 2, false);
    if (!in.read(head.data(), 2)) return refuse("the data ends inside the meta header");
    const auto a = static_cast<char>(head[0]);
    const auto b = static_cast<char>(head[1]);
    if (!is_vr(a, b)) return refuse(fmt::format("element (0002,{:04X}) has no standard VR", element));
    if (a == 'S' && b == 'Q')
      return refuse(fmt::format("element (0002,{:04X}) is a sequence; a meta header is flat", element));
    std::uint32_t length = 0;
    if (long_form(a, b)) {
      if (!in.read(head.data(), 6)) return refuse("the data ends inside the meta header");
      length = u32(head.data() + 2, false);
    } else {
      if (!in.read(head.data(), 2)) return refuse("the data ends inside the meta header");
      length = u16(head.data(), false);
    }
    if (length == kUndefinedLength)
      return refuse(fmt::format("element (0002,{:04X}) has an undefined length", element));
    if (element == 0x0000 && length == 4) {
      if (!in.read(head.data(), 4)) return refuse("the data ends inside the meta header");
      declared_end = in.position() + u32(head.data(), false);
    } else if (element == 0x0010) {
      // DCMTK keeps the first and ignores a second: one, of at most 64 bytes, or refused.
      if (seen_syntax || length > 64) return refuse("its Transfer Syntax UID is repeated or longer than 64 bytes");
      seen_syntax = true;
      std::array<std::uint8_t, 64> value{};
      if (!in.read(value.data(), length)) return refuse("the data ends inside the meta header");
      transfer_syntax.assign(reinterpret_cast<const char*>(value.data()), length);
    } else if (!in.skip(length)) {
      return refuse(fmt::format("the value of (0002,{:04X}) runs past the end", element));
    }
    group_end = in.position();
  }
  if (declared_end && *declared_end != group_end) {
    return refuse(fmt::format("its group length says it ends at byte {}, but group 0002 ends at byte {}", *declared_end,
                              group_end));
  }
  return std::optional<std::string>(std::move(transfer_syntax));
}

// A bare data set, as DCMTK's auto-detection reads one: explicit VR when VR letters follow the
// first tag, big endian when its group only makes sense byte-swapped.
Encoding guess_encoding(Source& in) {
  std::array<std::uint8_t, 6> first{};
  if (!in.peek(first.data(), first.size())) return {true, false};
  const bool big = u16(first.data(), false) > 0x00FF && u16(first.data(), true) <= 0x00FF;
  return {is_vr(static_cast<char>(first[4]), static_cast<char>(first[5])), big};
}

// `rest` gives the bytes from the data set's start to the end, for a deflated one.
Result<DatasetShape> walk_part10(Source& in, const std::function<Result<std::string>()>& rest,
                                 const DatasetLimits& limits) {
  auto meta = read_meta(in);
  if (!meta) return meta.error();
  // No meta header, or one that does not say: the encoding is guessed, as DCMTK does.
  if (!*meta || syntax_of(**meta).uid.empty()) {
    const auto guessed = guess_encoding(in);
    return Walker(in, guessed, limits).walk();
  }
  // A transfer syntax DCMTK does not know, it reads by guessing: refused rather than guessed twice.
  const auto syntax = syntax_of(**meta);
  if (!syntax.known) {
    return Error{Errc::dicom_refused, "file meta header",
                 "transfer syntax \"" + syntax.uid + "\" is not one DCMTK knows"};
  }
  if (syntax.deflated) {
    auto deflated = rest();
    if (!deflated) return deflated.error();
    return walk_bytes(*deflated, syntax.uid, limits, kMaxInflatedBytes);
  }
  return Walker(in, syntax.encoding, limits).walk();
}

}  // namespace

Result<DatasetShape> dataset_shape(std::string_view bytes, std::string_view transfer_syntax_uid,
                                   const DatasetLimits& limits) {
  // Held in memory whole: inflated no larger than such a data set may be received.
  return walk_bytes(bytes, transfer_syntax_uid, limits, limits.max_in_memory_bytes);
}

Result<DatasetShape> dataset_prefix_shape(std::string_view bytes, std::string_view transfer_syntax_uid,
                                          const DatasetLimits& limits, std::uint64_t total_bytes) {
  MemorySource source(bytes);
  return Walker(source, syntax_of(transfer_syntax_uid).encoding, limits, total_bytes).walk();
}

Result<DatasetShape> part10_shape(std::string_view bytes, const DatasetLimits& limits) {
  MemorySource source(bytes);
  return walk_part10(
      source, [&]() -> Result<std::string> { return std::string(bytes.substr(source.position())); }, limits);
}

Result<DatasetShape> part10_file_shape(const std::string& path, const DatasetLimits& limits) {
  const std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "rb"), std::fclose);
  if (!file)
    return Error{Errc::io_failed, path, "cannot open: " + std::error_code(errno, std::generic_category()).message()};
  struct stat info {};
  if (::fstat(::fileno(file.get()), &info) != 0)
    return Error{Errc::io_failed, path,
                 "cannot read its size: " + std::error_code(errno, std::generic_category()).message()};
  FileSource source(file.get(), static_cast<std::uint64_t>(info.st_size));
  auto shape = walk_part10(
      source,
      [&]() -> Result<std::string> {
        const auto left = source.size() - source.position();
        if (left > kMaxInflatedBytes)
          return Error{Errc::dicom_refused, path, "a deflated data set larger than 256 MiB"};
        std::string bytes(left, '\0');
        if (::fseeko(file.get(), static_cast<off_t>(source.position()), SEEK_SET) != 0 ||
            std::fread(bytes.data(), 1, bytes.size(), file.get()) != bytes.size())
          return Error{Errc::io_failed, path, "cannot read the deflated data set"};
        return bytes;
      },
      limits);
  if (!shape) return Error{shape.error().code, path + ", " + shape.error().where, shape.error().detail};
  return shape;
}

}  // namespace radloop::dicom::internal
