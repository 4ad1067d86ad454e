// The file system steps behind durable storage: digest and flush a file, flush a directory,
// and the UID check that keeps a peer's identifiers from naming paths of their own choosing.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "reference/core/result.hpp"

namespace radloop::dicom::internal {

struct FileDigest {
  std::uint64_t size_bytes = 0;
  std::string sha256;          // of every byte, lowercase hex
  std::string dataset_sha256;  // of the bytes after the file meta header (group 0002), lowercase hex
};

// Reads the whole file once for its digests; with sync, fsync()s it before returning. The meta
// header names the sending AE, so the same data set from two senders differs only there.
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
