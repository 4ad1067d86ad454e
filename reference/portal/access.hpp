// Who may use the portal: paths served without a token, the bearer tokens and who holds each, and
// the refusal of requests a web page could have sent. Pure string work, tested without sockets.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace radloop::portal {

// "/" matches the root only (a prefix "/" would make everything public); another entry ending in
// '/' matches every path under it; any other entry matches exactly. path is the decoded path.
bool is_public_path(const std::vector<std::string>& public_paths, std::string_view path);

// True when the Authorization value is "Bearer <token>" (scheme case-insensitive) and the token
// equals expected. The comparison takes the same time wherever the two differ, so response
// timing does not reveal a prefix of the token. An empty expected token never matches.
bool bearer_token_matches(std::string_view authorization, std::string_view expected);

// A token the portal accepts, and who holds it: whatever is done with it is audited as done by
// that holder, whatever name a request body gives.
struct Credential {
  std::string holder;
  std::string token;
};

// Shorter tokens are refused at start: 16 characters of a random token are beyond guessing over
// the network; "secret" or a PIN is not.
inline constexpr std::size_t kMinTokenLength = 16;

// Why a set of credentials cannot be used (an empty holder, a short or repeated token), or nothing.
std::optional<std::string> credentials_problem(const std::vector<Credential>& credentials);

// The credential whose token the Authorization value carries, or null. Every credential is
// compared, each in constant time.
const Credential* credential_for(std::string_view authorization, const std::vector<Credential>& credentials);

// Why a request may have been sent by a page in the user's browser rather than by the user, or
// nothing. Headers have lowercase names.
//  - Without tokens the portal answers only requests addressed to this machine (Host localhost,
//    127.x.x.x or [::1]): a site whose name an attacker points at 127.0.0.1 (DNS rebinding) gets
//    a Host of its own and is refused, reads included.
//  - A request that changes state (any method but GET, HEAD, OPTIONS) is refused when the
//    browser says another site sent it: an Origin other than this Host, or Sec-Fetch-Site other
//    than same-origin or none. Tools (curl, scripts, simulators) send neither header.
std::optional<std::string> browser_refusal(std::string_view method, const std::map<std::string, std::string>& headers,
                                           bool tokens_required);

}  // namespace radloop::portal
