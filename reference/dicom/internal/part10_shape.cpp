// Part 10 framing in front of the data set walk (see dataset_shape.hpp): the preamble, "DICM",
// the file meta header and its transfer syntax, or a bare data set whose encoding is guessed as
// DCMTK guesses it; from memory or from a file read a buffer at a time.
#include <fmt/format.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <functional>
#include <memory>
#include <optional>
#include <system_error>

#include "reference/dicom/internal/dataset_shape.hpp"
#include "reference/dicom/internal/dataset_walk.hpp"

namespace radloop::dicom::internal {
namespace {

constexpr std::size_t kPreamble = 128;

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
    return walk_source(in, guessed, limits);
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
  return walk_source(in, syntax.encoding, limits);
}

}  // namespace

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
