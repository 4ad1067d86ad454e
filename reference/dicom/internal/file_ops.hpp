// The file system steps behind durable storage: digest and flush a file, flush a directory,
// and the UID check that keeps a peer's identifiers from naming paths of their own choosing.
#pragma once

#include <xxhash.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "reference/core/result.hpp"

namespace radloop::dicom::internal {

struct FileDigest {
  std::uint64_t size_bytes = 0;
  std::string dataset_digest;  // XXH3-128 of the bytes after the file meta header (group 0002), lowercase hex
};

// Digests a file that may still be growing: advance() takes in what has been written so far (a
// C-STORE calls it as each PDU arrives, so the hashing overlaps the transfer), finish() the rest.
// The digest is of the data set: the meta header names the sending AE, so the same data set from
// two senders differs only there, and is left out.
class FileDigester {
 public:
  explicit FileDigester(std::string path);
  ~FileDigester();
  FileDigester(const FileDigester&) = delete;
  FileDigester& operator=(const FileDigester&) = delete;

  // `received`: bytes of the data set received so far. Reads only once 64 KiB more have come
  // (a PDV is often much smaller); a failure here is reported by finish().
  void advance(std::uint64_t received);
  // With sync, fsync()s the file before returning.
  Result<FileDigest> finish(bool sync);
  // After finish(): the whole file when it was small enough to be read in one go (else empty),
  // so its header can be parsed without opening it again.
  [[nodiscard]] const std::string& whole_file() const { return whole_; }

 private:
  Result<void> take_in(bool to_the_end);

  std::string path_;
  std::unique_ptr<XXH3_state_t, XXH_errorcode (*)(XXH3_state_t*)> state_;
  int fd_ = -1;
  std::optional<std::uint64_t> dataset_start_;
  std::uint64_t done_ = 0;  // bytes of the file taken in (the meta header counts as taken)
  std::uint64_t received_at_last_read_ = 0;
  std::optional<Error> failure_;
  std::string whole_;
};

// The whole file at once: size and data set digest.
Result<FileDigest> digest_file(const std::string& path, bool sync);

// Where the data set starts in a DICOM file image: after the 128-byte preamble, "DICM" and the
// group 0002 elements (explicit VR little endian), or 0 when there is no meta header. When the
// header does not end within `head`, 0 too: the whole file is then the data set.
std::size_t dataset_offset(std::string_view head);

// fsync() on a directory, so a rename or a new entry in it survives a crash.
Result<void> sync_directory(const std::string& path);

// A DICOM UID usable as one path component: 1 to 64 digits and dots, starting and ending with a
// digit, no empty component ("..", "." and "/" can never get through).
bool is_path_safe_uid(std::string_view uid);

}  // namespace radloop::dicom::internal
