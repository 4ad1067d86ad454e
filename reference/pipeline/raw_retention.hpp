// How long the inbound log keeps each message's raw payload, and how much of it in all. A
// message's record (sender, control ID, type, outcome and resend digest) stays: it is what answers
// a resend as before and refuses another message under a used control ID. Only the bytes go.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "reference/core/result.hpp"
#include "reference/store/store.hpp"

namespace radloop::pipeline {

struct RawRetention {
  std::chrono::hours max_age{24 * 30};               // older payloads are dropped; 0: never by age
  std::uint64_t max_bytes = std::uint64_t{1} << 30;  // payloads kept in all, oldest dropped first; 0: no cap
  std::chrono::milliseconds interval{60'000};        // how often the sweeper applies it
};

// Applies a RawRetention, one pass at a time (the sweeper's).
class RawRetainer {
 public:
  explicit RawRetainer(RawRetention policy) : policy_(policy) {}

  // Gives messages logged before digests existed their digest (a batch per pass), then drops what
  // the policy says at `now`. Logged: what went for its age; the cap starting to force payloads out
  // before their time, as the warning "alert raw_payload_cap", once until the payloads kept are
  // below nine tenths of the cap again.
  Result<store::RawPruning> run(store::Store& store, std::chrono::system_clock::time_point now);

 private:
  RawRetention policy_;
  bool capped_ = false;  // the cap forced payloads out, and they have not dropped below 9/10 of it since
};

// `t` as the inbound log stamps received_at: ISO 8601 UTC with milliseconds.
std::string log_timestamp(std::chrono::system_clock::time_point t);

}  // namespace radloop::pipeline
