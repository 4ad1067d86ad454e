#include "reference/core/result.hpp"

#include <gtest/gtest.h>

#include <memory>

namespace radloop {

TEST(Result, HoldsAValueOrAnError) {
  Result<int> good = 42;
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(*good, 42);

  Result<int> bad = Error{Errc::io_failed, "/tmp/x", "disk full"};
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, Errc::io_failed);
  EXPECT_EQ(bad.error().where, "/tmp/x");
}

TEST(Result, MovesOutMoveOnlyValues) {
  Result<std::unique_ptr<int>> r = std::make_unique<int>(7);
  auto owned = std::move(r).value();
  EXPECT_EQ(*owned, 7);
}

TEST(Result, VoidCarriesOnlySuccessOrError) {
  Result<void> ok;
  EXPECT_TRUE(ok);
  Result<void> failed = Error{Errc::store_failed, "", ""};
  EXPECT_FALSE(failed);
  EXPECT_EQ(failed.error().code, Errc::store_failed);
}

}  // namespace radloop
