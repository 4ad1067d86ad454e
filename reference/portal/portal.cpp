// The portal's listener: console assets, then the API (see portal.hpp).
#include "reference/portal/portal.hpp"

#include <limits>
#include <string_view>

#include "reference/portal/console_assets.hpp"

namespace radloop::portal {

Result<std::unique_ptr<Portal>> Portal::start(pipeline::Pipeline& pipeline, HttpServerConfig config) {
  std::unique_ptr<Portal> portal(new Portal(pipeline));
  config.public_paths = {"/", "/index.html", "/console.js", "/console.css"};
  // Only these take a body: STOW-RS instances up to max_body_bytes, and the small JSON of a review
  // decision or an outbox retry. Anything else announcing one is refused before it is read.
  config.body_limit = [](std::string_view method, std::string_view path) -> std::size_t {
    if (method != "POST") return 0;
    if (path == "/dicomweb/studies") return std::numeric_limits<std::size_t>::max();
    if (path.starts_with("/review/") || path.starts_with("/outbox/")) return std::size_t{64} * 1024;
    return 0;
  };
  // A STOW-RS body (up to max_body_bytes on each of up to max_connections connections) goes to a
  // file beside the instances it will become, not to memory.
  config.spool = [](std::string_view method, std::string_view path) {
    return method == "POST" && path == "/dicomweb/studies";
  };
  // .incoming is where C-STOREs are received too, and it is emptied at start.
  if (config.spool_directory.empty() && !pipeline.config().dicom.storage_dir.empty()) {
    config.spool_directory = pipeline.config().dicom.storage_dir + "/.incoming";
  }
  auto http = HttpServer::start(config, [raw = portal.get()](const HttpRequest& r) { return raw->handle(r); });
  if (!http) return http.error();
  portal->http_ = std::move(http).value();
  return portal;
}

HttpResponse Portal::handle(const HttpRequest& request) const {
  if (request.method == "GET") {
    if (const auto asset = console_asset(request.path)) {
      HttpResponse r;
      r.content_type = std::string(asset->content_type);
      r.body = std::string(asset->body);
      return r;
    }
  }
  return api_(request);
}

}  // namespace radloop::portal
