// Digesting, flushing and UID checks for the instance store (see the header).
#include "reference/dicom/internal/file_ops.hpp"

#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <memory>
#include <thread>

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

using Digest = std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)>;

Digest new_sha256() {
  Digest ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  if (ctx && EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1) ctx.reset();
  return ctx;
}

std::string hex_of(EVP_MD_CTX* ctx) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
  unsigned int md_length = 0;
  EVP_DigestFinal_ex(ctx, md.data(), &md_length);
  static constexpr std::string_view hex = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < md_length; ++i) {
    out += hex[md[i] >> 4U];
    out += hex[md[i] & 0x0FU];
  }
  return out;
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

namespace {

Result<std::string> sha256_of(std::string_view bytes, const std::string& path) {
  auto ctx = new_sha256();
  if (!ctx) return Error{Errc::internal, path, "cannot start a SHA-256 digest"};
  EVP_DigestUpdate(ctx.get(), bytes.data(), bytes.size());
  return hex_of(ctx.get());
}

// SHA-256 of the bytes from `from` to the end, read with pread (no shared file offset, so two of
// these may run on one descriptor at once). Adds the bytes read to *size when size is given.
Result<std::string> sha256_from(int fd, std::size_t from, const std::string& path, std::uint64_t* size) {
  auto ctx = new_sha256();
  if (!ctx) return Error{Errc::internal, path, "cannot start a SHA-256 digest"};
  std::array<char, 1 << 16> buffer{};
  auto at = static_cast<off_t>(from);
  while (true) {
    const auto n = ::pread(fd, buffer.data(), buffer.size(), at);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return io_error(path, "cannot read");
    if (n == 0) break;
    EVP_DigestUpdate(ctx.get(), buffer.data(), static_cast<std::size_t>(n));
    at += n;
    if (size != nullptr) *size += static_cast<std::uint64_t>(n);
  }
  return hex_of(ctx.get());
}

}  // namespace

Result<FileDigest> digest_file(const std::string& path, bool sync) {
  Fd file{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (file.fd < 0) return io_error(path, "cannot open");
  std::array<char, 1 << 16> head{};
  ssize_t n = 0;
  do {
    n = ::pread(file.fd, head.data(), head.size(), 0);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return io_error(path, "cannot read");
  const auto skip = dataset_offset(std::string_view(head.data(), static_cast<std::size_t>(n)));
  // The two digests each take a pass over the file (from the page cache). A large file gets the
  // data set's pass on a second thread: the C-STORE response waits for both, and with one
  // association the answer comes sooner.
  constexpr ssize_t kParallelFrom = 256 * 1024;
  FileDigest digest;
  Result<std::string> dataset = std::string();
  Result<std::string> whole = std::string();
  bool digested = false;
  if (n < static_cast<ssize_t>(head.size())) {  // all of it is in `head` already
    const std::string_view bytes(head.data(), static_cast<std::size_t>(n));
    whole = sha256_of(bytes, path);
    dataset = sha256_of(bytes.substr(skip), path);
    digest.size_bytes = bytes.size();
    digested = true;
  } else {
    struct stat info {};
    if (::fstat(file.fd, &info) == 0 && info.st_size >= kParallelFrom) {
      std::thread second([&] { dataset = sha256_from(file.fd, skip, path, nullptr); });
      whole = sha256_from(file.fd, 0, path, &digest.size_bytes);
      second.join();
      digested = true;
    }
  }
  if (!digested) {
    whole = sha256_from(file.fd, 0, path, &digest.size_bytes);
    dataset = sha256_from(file.fd, skip, path, nullptr);
  }
  if (!whole) return whole.error();
  if (!dataset) return dataset.error();
  digest.sha256 = std::move(whole).value();
  digest.dataset_sha256 = std::move(dataset).value();
  if (sync && ::fsync(file.fd) != 0) return io_error(path, "cannot fsync");
  return digest;
}

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
