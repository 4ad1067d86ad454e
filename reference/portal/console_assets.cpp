// Request paths to the console's embedded files, each with its content type.
#include "reference/portal/console_assets.hpp"

#include <array>

#include "reference/portal/internal/embedded_files.hpp"

namespace radloop::portal {
namespace {

struct Route {
  std::string_view path;
  std::string_view file;
  std::string_view content_type;
};

constexpr std::array kRoutes{
    Route{"/", "index.html", "text/html; charset=utf-8"},
    Route{"/index.html", "index.html", "text/html; charset=utf-8"},
    Route{"/console.js", "console.js", "text/javascript; charset=utf-8"},
    Route{"/console.css", "console.css", "text/css; charset=utf-8"},
};

}  // namespace

std::optional<Asset> console_asset(std::string_view path) {
  for (const Route& route : kRoutes) {
    if (route.path != path) continue;
    for (const internal::EmbeddedFile& file : internal::console_files()) {
      if (file.name == route.file) return Asset{route.content_type, file.body};
    }
  }
  return std::nullopt;
}

}  // namespace radloop::portal
