// libFuzzer target for what stands between a peer and DCMTK's parser: any bytes, as a Part 10 file
// and as a bare data set in each encoding, must be measured or refused with a located error, and
// whatever the walk lets through must then be read by DCMTK (the received-instance header reader)
// without crashing. Low limits keep each input cheap and exercise the refusals.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "reference/dicom/internal/dataset_shape.hpp"
#include "reference/dicom/internal/instance_header.hpp"

extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
  ::setenv("RADLOOP_DCMTK_LOG", "off", 1);  // DCMTK would log a warning for nearly every input
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace radloop::dicom;
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  DatasetLimits limits;
  limits.max_depth = 32;
  limits.max_elements = 20'000;
  for (const char* syntax :
       {"1.2.840.10008.1.2", "1.2.840.10008.1.2.1", "1.2.840.10008.1.2.2", "1.2.840.10008.1.2.1.99"}) {
    auto shape = internal::dataset_shape(bytes, syntax, limits);
    if (!shape && (shape.error().where.empty() || shape.error().detail.empty())) __builtin_trap();
    if (shape && shape->depth > limits.max_depth) __builtin_trap();
  }
  // The gate's promise: what it lets through, DCMTK reads (or refuses) without crashing. The
  // header reader measures the file with part10_shape first and returns its refusal as it is, so
  // the Part 10 walk is judged here too, once per input.
  if (bytes.empty()) {  // the header reader would take an empty buffer for a file to open
    auto shape = internal::part10_shape(bytes, limits);
    if (!shape && (shape.error().where.empty() || shape.error().detail.empty())) __builtin_trap();
    return 0;
  }
  auto header = internal::read_instance_header("fuzz input", bytes, limits);
  if (!header && (header.error().where.empty() || header.error().detail.empty())) __builtin_trap();
  return 0;
}
