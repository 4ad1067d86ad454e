// libFuzzer target for what the portal reads of a request before any handler: the request
// target (path, percent-decoding, query) and the router's matching of it. Any bytes give a
// target or a located error, and dispatch answers every method and path without throwing.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "reference/portal/router.hpp"
#include "reference/portal/target.hpp"

namespace {

const radloop::portal::Router& router() {
  using namespace radloop::portal;
  static const Router r = [] {
    Router made;
    const auto echo = [](const HttpRequest&, const PathParams& params) {
      HttpResponse response;
      for (const auto& [name, value] : params) response.body += name + "=" + value + ";";
      return response;
    };
    for (const char* pattern : {"/fhir/{type}", "/fhir/{type}/{id}", "/fhir/metadata", "/dicomweb/studies/{study}",
                                "/dicomweb/studies/{study}/series/{series}", "/review/{id}/{action}", "/outbox/retry",
                                "/outbox/{sequence}/retry", "/"}) {
      made.add("GET", pattern, echo);
      made.add("POST", pattern, echo);
    }
    return made;
  }();
  return r;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace radloop::portal;
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  (void)percent_decode(bytes, true);
  (void)path_segments(bytes);
  auto target = parse_target(bytes);
  if (!target) {
    if (target.error().where.empty() || target.error().detail.empty()) __builtin_trap();
    return 0;
  }
  HttpRequest request;
  request.method = size % 3 == 0 ? "POST" : size % 3 == 1 ? "GET" : "DELETE";
  request.target = std::string(bytes);
  (void)router().dispatch(request);
  return 0;
}
