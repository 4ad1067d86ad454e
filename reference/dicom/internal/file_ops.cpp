// Digesting, flushing and UID checks for the instance store (see the header).
#include "reference/dicom/internal/file_ops.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <memory>

#include "reference/core/hex.hpp"

namespace radloop::dicom::internal {
namespace {

Error io_error(const std::string& path, const char* what) {
  return Error{Errc::io_failed, path, std::string(what) + ": " + std::strerror(errno)};
}

struct Fd {
  int fd;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

std::string hex_of(XXH3_state_t* state) {
  XXH128_canonical_t canonical{};
  XXH128_canonicalFromHash(&canonical, XXH3_128bits_digest(state));
  return to_hex(canonical.digest, sizeof canonical.digest);
}

unsigned little_endian(std::string_view bytes, std::size_t at, std::size_t width) {
  unsigned value = 0;
  for (std::size_t i = width; i-- > 0;) value = (value << 8U) | static_cast<unsigned char>(bytes[at + i]);
  return value;
}

}  // namespace

std::size_t dataset_offset(std::string_view head) {
  constexpr std::size_t kPreamble = 128;
  if (head.size() < kPreamble + 4 || head.substr(kPreamble, 4) != "DICM") return 0;
  std::size_t at = kPreamble + 4;
  while (at + 8 <= head.size() && little_endian(head, at, 2) == 0x0002) {
    const auto vr = head.substr(at + 4, 2);
    const bool long_form = vr == "OB" || vr == "OW" || vr == "OF" || vr == "OD" || vr == "OL" || vr == "OV" ||
                           vr == "SQ" || vr == "UT" || vr == "UN" || vr == "UC" || vr == "UR" || vr == "SV" ||
                           vr == "UV";
    if (long_form) {
      if (at + 12 > head.size()) return 0;
      at += 12 + little_endian(head, at + 8, 4);
    } else {
      at += 8 + little_endian(head, at + 6, 2);
    }
  }
  return at <= head.size() ? at : 0;
}

namespace {}  // namespace

FileDigester::FileDigester(std::string path) : path_(std::move(path)), state_(XXH3_createState(), &XXH3_freeState) {
  if (state_ && XXH3_128bits_reset(state_.get()) != XXH_OK) state_.reset();
}

FileDigester::~FileDigester() {
  if (fd_ >= 0) ::close(fd_);
}

// Takes in [done_, size) once the data set's start is known. Before the file is 64 KiB long the
// start may not be written yet (DCMTK writes the meta header through a buffer), so it waits.
Result<void> FileDigester::take_in(bool to_the_end) {
  if (!state_) return Error{Errc::internal, path_, "cannot start a digest"};
  if (fd_ < 0) {
    fd_ = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) return io_error(path_, "cannot open");
  }
  std::array<char, 1 << 16> buffer{};
  if (!dataset_start_) {
    ssize_t n = 0;
    do {
      n = ::pread(fd_, buffer.data(), buffer.size(), 0);
    } while (n < 0 && errno == EINTR);
    if (n < 0) return io_error(path_, "cannot read");
    if (!to_the_end && n < static_cast<ssize_t>(buffer.size())) return {};
    if (n < static_cast<ssize_t>(buffer.size())) whole_.assign(buffer.data(), static_cast<std::size_t>(n));
    dataset_start_ = dataset_offset(std::string_view(buffer.data(), static_cast<std::size_t>(n)));
    done_ = *dataset_start_;
  }
  while (true) {
    const auto n = ::pread(fd_, buffer.data(), buffer.size(), static_cast<off_t>(done_));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return io_error(path_, "cannot read");
    if (n == 0) break;
    XXH3_128bits_update(state_.get(), buffer.data(), static_cast<std::size_t>(n));
    done_ += static_cast<std::uint64_t>(n);
  }
  return {};
}

void FileDigester::advance(std::uint64_t received) {
  constexpr std::uint64_t kStep = 1 << 16;
  if (received < received_at_last_read_ + kStep) return;
  received_at_last_read_ = received;
  if (auto taken = take_in(false); !taken && !failure_) failure_ = taken.error();
}

Result<FileDigest> FileDigester::finish(bool sync) {
  if (failure_) return *failure_;
  if (auto taken = take_in(true); !taken) return taken.error();
  FileDigest digest;
  digest.size_bytes = done_;
  digest.dataset_digest = hex_of(state_.get());
  if (sync && ::fsync(fd_) != 0) return io_error(path_, "cannot fsync");
  return digest;
}

Result<FileDigest> digest_file(const std::string& path, bool sync) { return FileDigester(path).finish(sync); }

Result<void> sync_directory(const std::string& path) {
  Fd dir{::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)};
  if (dir.fd < 0) return io_error(path, "cannot open directory");
  if (::fsync(dir.fd) != 0) return io_error(path, "cannot fsync directory");
  return {};
}

bool is_path_safe_uid(std::string_view uid) {
  if (uid.empty() || uid.size() > 64 || uid.front() == '.' || uid.back() == '.') return false;
  for (std::size_t i = 0; i < uid.size(); ++i) {
    const char c = uid[i];
    if (c == '.' && uid[i - 1] == '.') return false;
    if (c != '.' && (c < '0' || c > '9')) return false;
  }
  return true;
}

}  // namespace radloop::dicom::internal
