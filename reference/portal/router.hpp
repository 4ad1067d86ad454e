// Exact-segment routing for the portal's API: "/fhir/{type}/{id}" matches a path of exactly three
// segments whose first is "fhir", and hands the other two to the handler by name.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "reference/portal/http_server.hpp"

namespace radloop::portal {

using PathParams = std::map<std::string, std::string>;
using RouteHandler = std::function<HttpResponse(const HttpRequest&, const PathParams&)>;

class Router {
 public:
  // A pattern is "/"-rooted; a segment is either literal or a whole "{name}". Throws
  // std::invalid_argument for a pattern that is not, for an empty or repeated name, and for a
  // pattern of the same shape already added for that method ("/a/{x}" and "/a/{y}"): these are
  // programming errors, found when the routes are set up.
  void add(std::string method, std::string_view pattern, RouteHandler handler);

  // The most specific matching route for the method (at the first segment where two patterns
  // differ, a literal beats a {name}); 404 JSON when no pattern matches the path; 405 with an
  // Allow header when patterns match but none for this method. Parameters are decoded segment
  // by segment from the raw target, so "%2F" stays inside a value. A handler's exception
  // propagates (the server answers 500).
  [[nodiscard]] HttpResponse dispatch(const HttpRequest& request) const;

  // dispatch as an HttpHandler for HttpServer::start; the router must outlive the server.
  [[nodiscard]] HttpHandler handler() const;

 private:
  struct Segment {
    std::string text;  // the literal, or the parameter's name
    bool is_param = false;
  };
  struct Route {
    std::string method;
    std::string pattern;
    std::vector<Segment> segments;
    RouteHandler handler;
  };

  static bool matches(const Route& route, const std::vector<std::string>& segments);
  static bool more_specific(const Route& a, const Route& b);

  std::vector<Route> routes_;
};

}  // namespace radloop::portal
