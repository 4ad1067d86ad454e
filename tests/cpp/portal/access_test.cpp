// Public paths and the bearer-token check, without a server.
#include "reference/portal/access.hpp"

#include <gtest/gtest.h>

namespace radloop::portal {
namespace {

TEST(Access, RootIsExactAndATrailingSlashIsAPrefix) {
  const std::vector<std::string> paths = {"/", "/console/", "/health"};
  EXPECT_TRUE(is_public_path(paths, "/"));
  EXPECT_TRUE(is_public_path(paths, "/console/"));
  EXPECT_TRUE(is_public_path(paths, "/console/js/app.js"));
  EXPECT_TRUE(is_public_path(paths, "/health"));
  EXPECT_FALSE(is_public_path(paths, "/health/deep"));
  EXPECT_FALSE(is_public_path(paths, "/console"));
  EXPECT_FALSE(is_public_path(paths, "/fhir/Patient"));
  EXPECT_FALSE(is_public_path({}, "/"));
}

TEST(Access, AcceptsTheBearerTokenOnly) {
  constexpr std::string_view kToken = "abc.DEF-123";
  EXPECT_TRUE(bearer_token_matches("Bearer abc.DEF-123", kToken));
  EXPECT_TRUE(bearer_token_matches("bearer abc.DEF-123", kToken));  // the scheme is case-insensitive
  EXPECT_TRUE(bearer_token_matches("BEARER \tabc.DEF-123 ", kToken));
  EXPECT_FALSE(bearer_token_matches("Bearer abc.def-123", kToken));  // the token is not
  EXPECT_FALSE(bearer_token_matches("Bearer abc.DEF-12", kToken));
  EXPECT_FALSE(bearer_token_matches("Bearer abc.DEF-1234", kToken));
  EXPECT_FALSE(bearer_token_matches("Bearer ", kToken));
  EXPECT_FALSE(bearer_token_matches("Bearer", kToken));
  EXPECT_FALSE(bearer_token_matches("Bearerabc.DEF-123", kToken));
  EXPECT_FALSE(bearer_token_matches("Basic abc.DEF-123", kToken));
  EXPECT_FALSE(bearer_token_matches("abc.DEF-123", kToken));
  EXPECT_FALSE(bearer_token_matches("", kToken));
  EXPECT_FALSE(bearer_token_matches("Bearer x", ""));  // no token configured never matches
}

}  // namespace
}  // namespace radloop::portal
