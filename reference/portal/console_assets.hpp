// The web console the portal serves at "/": its three files, compiled into the program, by the
// request path that asks for them.
#pragma once

#include <optional>
#include <string_view>

namespace radloop::portal {

struct Asset {
  std::string_view content_type;  // the Content-Type header's value, charset included
  std::string_view body;          // static storage: valid for the program's lifetime
};

// "/" and "/index.html" give the page, "/console.js" and "/console.css" its script and style;
// any other path (query string already removed) gives nullopt.
std::optional<Asset> console_asset(std::string_view path);

}  // namespace radloop::portal
