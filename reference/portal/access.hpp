// Who may use the portal: paths served without a token, and the bearer-token check. Pure string
// work, tested without sockets.
#pragma once

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

}  // namespace radloop::portal
