#include "reference/pipeline/raw_retention.hpp"

#include <gtest/gtest.h>

#include <chrono>

namespace radloop::pipeline {
namespace {

using std::chrono::system_clock;

// The cut is compared with received_at as text: both must be written the same way.
TEST(RawRetention, StampsTimesAsTheInboundLogDoes) {
  const auto t = system_clock::time_point(std::chrono::milliseconds(1'772'000'123'045));  // 2026-02-25
  EXPECT_EQ(log_timestamp(t), "2026-02-25T06:15:23.045Z");
  EXPECT_EQ(log_timestamp(system_clock::time_point{}), "1970-01-01T00:00:00.000Z");
}

}  // namespace
}  // namespace radloop::pipeline
