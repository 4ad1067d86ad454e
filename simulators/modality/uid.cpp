// Deterministic UIDs: "2.25." + a 128-bit hash of (seed, role, index), so a seed names a study.
#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "simulators/modality/study.hpp"

namespace radloop::modality {
namespace {

// splitmix64's finaliser: a bijective 64-bit mix, good enough to spread seeds apart.
std::uint64_t mix(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30U)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27U)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31U);
}

std::uint64_t fnv1a(std::string_view text) {
  std::uint64_t h = 0xCBF29CE484222325ULL;
  for (const char c : text) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001B3ULL;
  }
  return h;
}

// Decimal digits of the 128-bit number hi:lo, by long division on 32-bit limbs.
std::string to_decimal(std::uint64_t hi, std::uint64_t lo) {
  std::array<std::uint32_t, 4> limbs{static_cast<std::uint32_t>(hi >> 32U), static_cast<std::uint32_t>(hi),
                                     static_cast<std::uint32_t>(lo >> 32U), static_cast<std::uint32_t>(lo)};
  std::string reversed;
  auto nonzero = [&] { return limbs[0] != 0 || limbs[1] != 0 || limbs[2] != 0 || limbs[3] != 0; };
  while (nonzero()) {
    std::uint64_t remainder = 0;
    for (auto& limb : limbs) {
      const std::uint64_t current = (remainder << 32U) | limb;
      limb = static_cast<std::uint32_t>(current / 10);
      remainder = current % 10;
    }
    reversed.push_back(static_cast<char>('0' + remainder));
  }
  if (reversed.empty()) reversed.push_back('1');  // a zero hash still needs a valid, non-zero component
  return {reversed.rbegin(), reversed.rend()};
}

}  // namespace

std::string derived_uid(std::uint64_t seed, std::string_view role, std::uint64_t index) {
  const std::uint64_t base = mix(seed ^ mix(fnv1a(role)) ^ mix(index + 0x632BE59BD9B4E019ULL));
  const std::uint64_t hi = mix(base ^ 0xA0761D6478BD642FULL);
  const std::uint64_t lo = mix(base ^ 0xE7037ED1A0B428DBULL);
  // Appended rather than concatenated: GCC 12 at -O3 warns falsely (-Wrestrict) on "lit" + string.
  std::string uid("2.25.");
  uid.append(to_decimal(hi, lo));  // at most 5 + 39 characters, well inside 64
  return uid;
}

}  // namespace radloop::modality
