// What a data set from a peer may look like before anything parses it. DCMTK's parser calls
// itself once per nested sequence and has no limit of its own: about 5,000 levels fill an 8 MiB
// thread stack and kill the whole process. Every data set that reaches radloop from the network
// (C-STORE, STOW-RS, report objects, C-FIND identifiers, N-ACTION, N-CREATE, N-SET) is first
// walked without recursion and without building it (dataset_shape.hpp), and refused when it
// breaks one of these.
#pragma once

#include <cstdint>

namespace radloop::dicom {

struct DatasetLimits {
  // Sequences inside sequences. Real objects stay far below (an SR content tree rarely passes
  // 20); 128 levels of DCMTK's parser take well under 1 MiB of stack, sanitizers included.
  unsigned max_depth = 128;
  // Element headers, items and delimiters included: each becomes an object in memory once parsed.
  std::uint64_t max_elements = 500'000;
  // A data set received whole into memory (C-FIND identifier, N-ACTION, N-CREATE, N-SET
  // information). Instances go to a file and are bounded by the disk instead.
  std::uint64_t max_in_memory_bytes = 16ULL << 20;
};

}  // namespace radloop::dicom
