// The shape of an encoded data set, taken before DCMTK sees it: how deep its sequences nest and
// how many elements it has. The walk reads element headers only, skips values, keeps its own
// stack (no recursion, so no input can exhaust ours) and stops at the first limit broken.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "reference/core/result.hpp"
#include "reference/dicom/limits.hpp"

namespace radloop::dicom::internal {

struct DatasetShape {
  unsigned depth = 0;          // deepest sequence nesting seen (0: no sequence)
  std::uint64_t elements = 0;  // element headers, items and delimiters included
};

// A bare data set (no preamble, no meta header) in the given transfer syntax; deflated ones are
// inflated first. An unknown transfer syntax is read as explicit VR little endian, as every
// transfer syntax defined since 1993 is. Errors are Errc::dicom_refused and say where.
Result<DatasetShape> dataset_shape(std::string_view bytes, std::string_view transfer_syntax_uid,
                                   const DatasetLimits& limits);

// The first bytes of a bare data set still arriving, which will have at most `total_bytes` in all
// (deflated syntaxes are not read this way). Refused only for what no continuation could make
// right: a value, item or sequence declared to end past total_bytes, nesting or elements over the
// limits, structure already broken. Where the bytes end is no error.
Result<DatasetShape> dataset_prefix_shape(std::string_view bytes, std::string_view transfer_syntax_uid,
                                          const DatasetLimits& limits, std::uint64_t total_bytes);

// A Part 10 file image: preamble, "DICM", the meta header (whose Transfer Syntax UID says how the
// rest is encoded), then the data set. Without "DICM" the bytes are taken as a bare data set
// and its encoding is guessed from the first element, as DCMTK does.
Result<DatasetShape> part10_shape(std::string_view bytes, const DatasetLimits& limits);
// The same, read from a file a buffer at a time: only headers are read, values are skipped.
Result<DatasetShape> part10_file_shape(const std::string& path, const DatasetLimits& limits);

}  // namespace radloop::dicom::internal
