// The router: patterns split once into segments, matched against the request's decoded segments.
#include "reference/portal/router.hpp"

#include <optional>
#include <set>
#include <stdexcept>

#include "reference/portal/target.hpp"

namespace radloop::portal {
namespace {

std::invalid_argument bad_pattern(std::string_view pattern, std::string_view why) {
  std::string text = "route pattern \"";
  text += pattern;
  text += "\": ";
  text += why;
  return std::invalid_argument(text);
}

// A path that is already decoded, split as it stands.
std::optional<std::vector<std::string>> split_decoded(std::string_view path) {
  if (path.starts_with('/')) path.remove_prefix(1);
  std::vector<std::string> segments;
  while (true) {
    const auto slash = path.find('/');
    segments.emplace_back(path.substr(0, slash));
    if (slash == std::string_view::npos) return segments;
    path.remove_prefix(slash + 1);
  }
}

}  // namespace

void Router::add(std::string method, std::string_view pattern, RouteHandler handler) {
  if (method.empty()) throw bad_pattern(pattern, "no method");
  if (!handler) throw bad_pattern(pattern, "no handler");
  if (!pattern.starts_with('/')) throw bad_pattern(pattern, "does not start with '/'");
  Route route{
      .method = std::move(method), .pattern = std::string(pattern), .segments = {}, .handler = std::move(handler)};
  std::set<std::string> names;
  auto rest = pattern.substr(1);
  while (true) {
    const auto slash = rest.find('/');
    const auto text = rest.substr(0, slash);
    Segment segment;
    if (text.starts_with('{') && text.ends_with('}') && text.size() >= 2) {
      segment.text = std::string(text.substr(1, text.size() - 2));
      segment.is_param = true;
      if (segment.text.empty()) throw bad_pattern(pattern, "a parameter has no name");
      if (!names.insert(segment.text).second) throw bad_pattern(pattern, "a parameter name is repeated");
    } else {
      segment.text = std::string(text);
    }
    // Braces anywhere else ("{id}.json", "a{b") would silently be matched literally.
    if (segment.text.find_first_of("{}") != std::string::npos) {
      throw bad_pattern(pattern, "a parameter must be a whole segment: {name}");
    }
    route.segments.push_back(std::move(segment));
    if (slash == std::string_view::npos) break;
    rest.remove_prefix(slash + 1);
  }
  for (const auto& existing : routes_) {
    if (existing.method != route.method || existing.segments.size() != route.segments.size()) continue;
    bool same_shape = true;
    for (std::size_t i = 0; i < route.segments.size() && same_shape; ++i) {
      const auto& a = existing.segments[i];
      const auto& b = route.segments[i];
      same_shape = a.is_param == b.is_param && (a.is_param || a.text == b.text);
    }
    if (same_shape) {
      std::string why = "the same shape as \"";
      why += existing.pattern;
      why += "\" is already routed for ";
      why += route.method;
      throw bad_pattern(pattern, why);
    }
  }
  routes_.push_back(std::move(route));
}

bool Router::matches(const Route& route, const std::vector<std::string>& segments) {
  if (route.segments.size() != segments.size()) return false;
  for (std::size_t i = 0; i < segments.size(); ++i) {
    if (!route.segments[i].is_param && route.segments[i].text != segments[i]) return false;
  }
  return true;
}

bool Router::more_specific(const Route& a, const Route& b) {
  for (std::size_t i = 0; i < a.segments.size() && i < b.segments.size(); ++i) {
    if (a.segments[i].is_param != b.segments[i].is_param) return !a.segments[i].is_param;
  }
  return false;
}

HttpResponse Router::dispatch(const HttpRequest& request) const {
  // The raw target when there is one, so an encoded '/' stays inside its segment; the decoded
  // path for a request built by hand.
  auto segments = request.target.empty() ? split_decoded(request.path) : path_segments(request.target);
  if (!segments) {
    return error_response(Error{Errc::http_bad_request, "request target", "a '%' is not followed by two hex digits"});
  }
  const Route* best = nullptr;
  std::set<std::string> allowed;
  // A GET route answers HEAD too (RFC 9110 9.3.2); the server sends its length and no body.
  const auto serves = [&](const Route& route) {
    return route.method == request.method || (request.method == "HEAD" && route.method == "GET");
  };
  for (const auto& route : routes_) {
    if (!matches(route, *segments)) continue;
    allowed.insert(route.method);
    if (route.method == "GET") allowed.insert("HEAD");
    if (serves(route) && (best == nullptr || more_specific(route, *best))) best = &route;
  }
  if (best != nullptr) {
    PathParams params;
    for (std::size_t i = 0; i < best->segments.size(); ++i) {
      if (best->segments[i].is_param) params.emplace(best->segments[i].text, std::move((*segments)[i]));
    }
    return best->handler(request, params);
  }
  if (allowed.empty()) return error_response(Error{Errc::http_not_found, request.path, ""});
  std::string allow;
  for (const auto& method : allowed) {
    if (!allow.empty()) allow += ", ";
    allow += method;
  }
  std::string detail = "allowed: ";
  detail += allow;
  auto response = error_response(Error{Errc::http_method_not_allowed, request.path, std::move(detail)});
  response.headers.emplace_back("Allow", allow);
  return response;
}

HttpHandler Router::handler() const {
  return [this](const HttpRequest& request) { return dispatch(request); };
}

}  // namespace radloop::portal
