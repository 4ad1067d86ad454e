// Procedural pixel data: a smooth gradient with a few bright discs, all from the seed.
#pragma once

#include <cstdint>
#include <vector>

namespace radloop::modality::internal {

struct PixelFrame {
  std::uint16_t rows = 0;
  std::uint16_t columns = 0;
  std::uint16_t bits_stored = 0;      // 8 for 8-bit images, 12 for 16-bit ones
  std::vector<std::uint16_t> values;  // rows x columns, row-major, each < 2^bits_stored
};

// The same (seed, slot) always gives the same frame; slot tells the instances of a study apart.
PixelFrame generate_frame(std::uint64_t seed, std::uint64_t slot, std::uint16_t rows, std::uint16_t columns,
                          std::uint16_t bits_stored);

}  // namespace radloop::modality::internal
