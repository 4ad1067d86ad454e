// Procedural pixel data: integer arithmetic only, so every build gives the same values.
#include "simulators/modality/internal/pixels.hpp"

#include <algorithm>
#include <cstdint>

namespace radloop::modality::internal {
namespace {

// A small deterministic generator (splitmix64): the standard library's distributions are not
// guaranteed to give the same numbers on every implementation.
class SplitMix {
 public:
  explicit SplitMix(std::uint64_t state) : state_(state) {}
  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30U)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27U)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31U);
  }
  std::int64_t below(std::int64_t bound) {
    return static_cast<std::int64_t>(next() % static_cast<std::uint64_t>(bound));
  }

 private:
  std::uint64_t state_;
};

struct Disc {
  std::int64_t x, y, radius, level;
};

}  // namespace

PixelFrame generate_frame(std::uint64_t seed, std::uint64_t slot, std::uint16_t rows, std::uint16_t columns,
                          std::uint16_t bits_stored) {
  PixelFrame frame{rows, columns, bits_stored, {}};
  frame.values.resize(static_cast<std::size_t>(rows) * columns);
  const std::int64_t max_value = (std::int64_t{1} << bits_stored) - 1;
  SplitMix random(seed * 0x2545F4914F6CDD1DULL + slot);

  std::vector<Disc> discs(3 + static_cast<std::size_t>(random.below(3)));
  const std::int64_t extent = std::max<std::int64_t>(1, std::min<std::int64_t>(rows, columns));
  for (auto& disc : discs) {
    disc = Disc{random.below(columns), random.below(rows), 1 + random.below(std::max<std::int64_t>(1, extent / 4)),
                max_value / 4 + random.below(max_value / 2 + 1)};
  }
  // The gradient runs corner to corner and fills at most half the range; discs add on top.
  const std::int64_t span = std::max<std::int64_t>(1, rows + columns - 2);
  for (std::int64_t y = 0; y < rows; ++y) {
    for (std::int64_t x = 0; x < columns; ++x) {
      std::int64_t value = (x + y) * (max_value / 2) / span;
      for (const auto& disc : discs) {
        const std::int64_t dx = x - disc.x;
        const std::int64_t dy = y - disc.y;
        if (dx * dx + dy * dy <= disc.radius * disc.radius) value += disc.level;
      }
      frame.values[static_cast<std::size_t>(y * columns + x)] = static_cast<std::uint16_t>(std::min(value, max_value));
    }
  }
  return frame;
}

}  // namespace radloop::modality::internal
