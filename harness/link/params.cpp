// FaultParams (see the header).
#include "harness/link/params.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <charconv>

namespace radloop::harness::link {

namespace {

// Large enough for any sensible delay or byte count, small enough that time arithmetic never overflows.
constexpr std::uint64_t kMaximum = std::uint64_t{1} << 40;

}  // namespace

Error FaultParams::error(std::string detail) const {
  const auto& name = spec_.name.empty() ? spec_.type : spec_.name;
  return Error{Errc::invalid_config, fmt::format("fault {}", name), std::move(detail)};
}

Result<void> FaultParams::only(std::initializer_list<std::string_view> known) const {
  for (const auto& [key, value] : spec_.params) {
    bool listed = false;
    for (const auto k : known) listed = listed || k == key;
    if (listed) continue;
    if (known.size() == 0) return error(fmt::format("{} takes no parameters, got \"{}\"", spec_.type, key));
    return error(fmt::format("{} has no parameter \"{}\"; it takes {}", spec_.type, key, fmt::join(known, ", ")));
  }
  return {};
}

Result<std::uint64_t> FaultParams::read(std::string_view key, std::uint64_t minimum) const {
  const auto& text = spec_.params.at(std::string(key));
  std::uint64_t value = 0;
  const auto* end = text.data() + text.size();
  const auto [stop, ec] = std::from_chars(text.data(), end, value);
  const auto* what = minimum == 0 ? "a whole number, 0 or more" : "a positive integer";
  if (text.empty() || ec != std::errc{} || stop != end || value < minimum) {
    return error(fmt::format("{}.{} must be {}, got \"{}\"", spec_.type, key, what, text));
  }
  if (value > kMaximum) {
    return error(fmt::format("{}.{} must be at most {}, got {}", spec_.type, key, kMaximum, text));
  }
  return value;
}

Result<std::uint64_t> FaultParams::positive(std::string_view key, std::string_view meaning) const {
  if (!spec_.params.contains(std::string(key))) {
    return error(fmt::format("{}.{} is required: {}", spec_.type, key, meaning));
  }
  return read(key, 1);
}

Result<std::uint64_t> FaultParams::non_negative(std::string_view key, std::uint64_t fallback) const {
  if (!spec_.params.contains(std::string(key))) return fallback;
  return read(key, 0);
}

Result<std::chrono::milliseconds> FaultParams::millis(std::string_view key, std::string_view meaning) const {
  auto value = positive(key, meaning);
  if (!value) return value.error();
  return std::chrono::milliseconds(static_cast<std::int64_t>(*value));
}

Result<std::chrono::milliseconds> FaultParams::millis_or(std::string_view key,
                                                         std::chrono::milliseconds fallback) const {
  auto value = non_negative(key, static_cast<std::uint64_t>(fallback.count()));
  if (!value) return value.error();
  return std::chrono::milliseconds(static_cast<std::int64_t>(*value));
}

}  // namespace radloop::harness::link
