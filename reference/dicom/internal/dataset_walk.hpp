// The pieces of the data set walk that the Part 10 reader (part10_shape.cpp) shares with the
// walk itself (dataset_shape.cpp): encodings, byte order, the VR tables and byte sources.
// Internal to reference/dicom.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "reference/core/result.hpp"
#include "reference/dicom/internal/dataset_shape.hpp"

namespace radloop::dicom::internal {

constexpr std::uint32_t kUndefinedLength = 0xFFFFFFFF;
// A deflated data set is inflated into memory to be walked; beyond this it is refused.
constexpr std::uint64_t kMaxInflatedBytes = 256ULL << 20;

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

Syntax syntax_of(std::string_view value);

std::uint16_t u16(const std::uint8_t* p, bool big);
std::uint32_t u32(const std::uint8_t* p, bool big);
// VRs whose length is 4 bytes after two reserved ones in explicit VR (PS3.5 Table 7.1-1).
bool long_form(char a, char b);
// The VRs PS3.5 Table 6.2-1 defines (see dataset_shape.cpp for why others are refused).
bool is_vr(char a, char b);

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

// Walks a data set from where `in` stands; `prefix_cap` non-zero: the bytes are the start of one
// still arriving, no longer than that in all.
Result<DatasetShape> walk_source(Source& in, Encoding top, const DatasetLimits& limits, std::uint64_t prefix_cap = 0);
// A whole data set in memory, inflated first (up to `inflated_cap` bytes) when its syntax deflates.
Result<DatasetShape> walk_bytes(std::string_view bytes, std::string_view transfer_syntax_uid,
                                const DatasetLimits& limits, std::uint64_t inflated_cap);

}  // namespace radloop::dicom::internal
