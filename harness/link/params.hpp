// Reads a fault's text parameters into numbers, with errors that name the fault, the parameter,
// what was expected and what was given, so a person can fix the scenario from the message alone.
#pragma once

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

#include "harness/link/fault.hpp"
#include "reference/core/result.hpp"

namespace radloop::harness::link {

class FaultParams {
 public:
  explicit FaultParams(const FaultSpec& spec) : spec_(spec) {}

  // Every parameter given must be one of these.
  Result<void> only(std::initializer_list<std::string_view> known) const;

  // A required integer >= 1.
  Result<std::uint64_t> positive(std::string_view key, std::string_view meaning) const;
  // An optional integer >= 0; fallback when absent.
  Result<std::uint64_t> non_negative(std::string_view key, std::uint64_t fallback) const;

  Result<std::chrono::milliseconds> millis(std::string_view key, std::string_view meaning) const;
  Result<std::chrono::milliseconds> millis_or(std::string_view key, std::chrono::milliseconds fallback) const;

  [[nodiscard]] Error error(std::string detail) const;

 private:
  Result<std::uint64_t> read(std::string_view key, std::uint64_t minimum) const;

  const FaultSpec& spec_;
};

}  // namespace radloop::harness::link
