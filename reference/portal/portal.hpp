// The portal as the daemon runs it: the API and the web console behind one HTTP listener.
#pragma once

#include <memory>

#include "reference/pipeline/pipeline.hpp"
#include "reference/portal/api.hpp"
#include "reference/portal/http_server.hpp"

namespace radloop::portal {

class Portal {
 public:
  // The console's assets are served without the token (they hold no data); everything else
  // needs it when one is configured.
  static Result<std::unique_ptr<Portal>> start(pipeline::Pipeline& pipeline, HttpServerConfig config);
  [[nodiscard]] std::uint16_t port() const { return http_->port(); }
  void stop() { http_->stop(); }

 private:
  explicit Portal(pipeline::Pipeline& pipeline) : api_(pipeline) {}
  HttpResponse handle(const HttpRequest& request) const;

  Api api_;
  std::unique_ptr<HttpServer> http_;
};

}  // namespace radloop::portal
