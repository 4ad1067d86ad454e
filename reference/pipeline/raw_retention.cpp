// Raw payload retention (see the header).
#include "reference/pipeline/raw_retention.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <ctime>

#include "reference/hl7/resend.hpp"

namespace radloop::pipeline {
namespace {

// Messages given their digest per pass: a log from before digests existed is done over a few
// passes without holding the writer for long.
constexpr int kDigestBatch = 1'000;

}  // namespace

std::string log_timestamp(std::chrono::system_clock::time_point t) {
  const auto ms = std::chrono::floor<std::chrono::milliseconds>(t);
  const auto seconds = std::chrono::floor<std::chrono::seconds>(ms);
  const std::time_t whole = std::chrono::system_clock::to_time_t(seconds);
  std::tm utc{};
  ::gmtime_r(&whole, &utc);
  return fmt::format("{:04d}-{:02d}-{:02d}T{:02d}:{:02d}:{:02d}.{:03d}Z", utc.tm_year + 1900, utc.tm_mon + 1,
                     utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, (ms - seconds).count());
}

Result<store::RawPruning> RawRetainer::run(store::Store& store, std::chrono::system_clock::time_point now) {
  auto digested = store.write_value<std::int64_t>([](store::Tx& tx) {
    return tx.fill_inbound_digests([](std::string_view raw) { return hl7::resend_digest(raw); }, kDigestBatch);
  });
  if (!digested) return digested.error();
  const auto before = policy_.max_age.count() > 0 ? log_timestamp(now - policy_.max_age) : std::string();
  auto done = store.write_value<store::RawPruning>(
      [&](store::Tx& tx) { return tx.prune_inbound_raw(before, policy_.max_bytes); });
  if (!done) return done.error();
  auto& d = done.value();
  d.digested = *digested;
  if (d.digested > 0) {
    spdlog::info("pipeline: gave {} inbound messages logged before resend digests existed their digest", d.digested);
  }
  if (d.by_age > 0) {
    spdlog::info("pipeline: dropped the raw payload of {} inbound messages older than {} days (raw_retention_days)",
                 d.by_age, policy_.max_age.count() / 24);
  }
  if (d.by_size > 0 && !capped_) {
    spdlog::warn(
        "pipeline: alert raw_payload_cap: the raw payloads kept reached raw_max_megabytes ({} MiB): the oldest are "
        "dropped before their time ({} now); records, outcomes and resend digests stay",
        policy_.max_bytes >> 20, d.by_size);
  } else if (d.by_size == 0 && capped_ && static_cast<std::uint64_t>(d.retained_bytes) <= policy_.max_bytes / 10 * 9) {
    spdlog::info("pipeline: the raw payloads kept are below nine tenths of raw_max_megabytes again");
  }
  // The episode ends with room to spare, so a quiet minute at the cap does not end it.
  if (d.by_size > 0) {
    capped_ = true;
  } else if (static_cast<std::uint64_t>(d.retained_bytes) <= policy_.max_bytes / 10 * 9) {
    capped_ = false;
  }
  return done;
}

}  // namespace radloop::pipeline
