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

TEST(Access, EachTokenNamesItsHolder) {
  const std::vector<Credential> credentials = {{"alice", "alice-token-0123456"}, {"bob", "bob-token-0123456789"}};
  EXPECT_EQ(credential_for("Bearer alice-token-0123456", credentials)->holder, "alice");
  EXPECT_EQ(credential_for("bearer bob-token-0123456789", credentials)->holder, "bob");
  EXPECT_EQ(credential_for("Bearer alice-token-012345", credentials), nullptr);
  EXPECT_EQ(credential_for("", credentials), nullptr);
  EXPECT_EQ(credential_for("Bearer alice-token-0123456", {}), nullptr);
}

TEST(Access, RefusesCredentialsThatCannotProtectAnything) {
  EXPECT_FALSE(credentials_problem({}));
  EXPECT_FALSE(credentials_problem({{"ops", std::string(kMinTokenLength, 'x')}}));
  EXPECT_EQ(credentials_problem({{"ops", "s3cret"}}), "the token of ops has 6 characters; at least 16 are needed");
  EXPECT_EQ(credentials_problem({{"", "0123456789abcdef"}}),
            "a token without a holder: say whose it is (the audit names them)");
  EXPECT_EQ(credentials_problem({{"a", "0123456789abcdef"}, {"b", "0123456789abcdef"}}),
            "the token of b is also someone else's");
  EXPECT_TRUE(credentials_problem({{"a", "0123456789 abcdef"}}));
}

std::map<std::string, std::string> headers(std::initializer_list<std::pair<const std::string, std::string>> fields) {
  return {fields};
}

// Without tokens, only requests addressed to this machine: a DNS-rebound name is refused, reads
// included. With tokens, any Host (a reverse proxy's name).
TEST(Access, WithoutATokenOnlyRequestsToThisMachineAreAnswered) {
  for (const auto* host : {"localhost", "localhost:8080", "LOCALHOST:1", "127.0.0.1", "127.1.2.3:99", "[::1]:8080"}) {
    EXPECT_FALSE(browser_refusal("GET", headers({{"host", host}}), false)) << host;
  }
  for (const auto* host : {"evil.example", "evil.example:8080", "127.0.0.1.evil.example", "10.0.0.5", "[::2]:80",
                           "localhost.evil.example", "127.0.0.x"}) {
    const auto refusal = browser_refusal("GET", headers({{"host", host}}), false);
    ASSERT_TRUE(refusal) << host;
    EXPECT_EQ(*refusal, "Host " + std::string(host) +
                            " is not this machine; without a token only requests to localhost are answered");
  }
  EXPECT_FALSE(browser_refusal("GET", headers({}), false)) << "HTTP/1.0 without Host: not a browser";
  EXPECT_FALSE(browser_refusal("GET", headers({{"host", "portal.example"}}), true));
}

// A page on another site can make the browser POST (a form, fetch without CORS); the browser then
// says so in Origin or Sec-Fetch-Site. Tools send neither.
TEST(Access, AStateChangeAnotherSitesPageSentIsRefused) {
  const std::string host = "127.0.0.1:8080";
  EXPECT_FALSE(browser_refusal("POST", headers({{"host", host}}), false)) << "curl, scripts";
  EXPECT_FALSE(browser_refusal("POST", headers({{"host", host}, {"origin", "http://127.0.0.1:8080"}}), false));
  EXPECT_FALSE(browser_refusal("POST", headers({{"host", host}, {"sec-fetch-site", "same-origin"}}), false));
  EXPECT_EQ(browser_refusal("POST", headers({{"host", host}, {"origin", "https://evil.example"}}), false),
            "the browser says a page from https://evil.example sent it, not one from this portal");
  EXPECT_TRUE(browser_refusal("POST", headers({{"host", host}, {"origin", "null"}}), false)) << "a sandboxed page";
  EXPECT_TRUE(browser_refusal("POST", headers({{"host", host}, {"origin", "http://127.0.0.1:9999"}}), false));
  EXPECT_EQ(browser_refusal("DELETE", headers({{"host", host}, {"sec-fetch-site", "cross-site"}}), true),
            "the browser says a page on another site sent it (Sec-Fetch-Site: cross-site)");
  EXPECT_TRUE(browser_refusal("PUT", headers({{"host", host}, {"sec-fetch-site", "same-site"}}), true));
  // Reads change nothing: a page may link to them (and, without a token, the Host rule holds).
  EXPECT_FALSE(browser_refusal("GET", headers({{"host", host}, {"origin", "https://evil.example"}}), false));
}

}  // namespace
}  // namespace radloop::portal
