// Exact-segment routing: parameters, the most specific pattern, 404 and 405, bad patterns.
#include "reference/portal/router.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <stdexcept>

#include "reference/portal/target.hpp"

namespace radloop::portal {
namespace {

using nlohmann::json;

HttpRequest request(std::string method, std::string target) {
  HttpRequest r;
  r.method = std::move(method);
  r.target = std::move(target);
  auto parsed = parse_target(r.target);
  EXPECT_TRUE(parsed.ok()) << r.target;
  if (parsed.ok()) r.path = parsed->path;
  return r;
}

// A handler that names itself and the parameters it got.
RouteHandler named(std::string name) {
  return [name = std::move(name)](const HttpRequest&, const PathParams& params) {
    return json_response(200, json{{"route", name}, {"params", params}}.dump());
  };
}

json body(const HttpResponse& response) { return json::parse(response.body); }

Router fhir_router() {
  Router router;
  router.add("GET", "/fhir/{type}/{id}", named("read"));
  router.add("GET", "/fhir/Patient/{id}", named("patient"));
  router.add("PUT", "/fhir/{type}/{id}", named("update"));
  router.add("GET", "/fhir/{type}", named("search"));
  router.add("POST", "/review/{id}/link", named("link"));
  router.add("GET", "/", named("root"));
  return router;
}

TEST(Router, HandsTheHandlerItsParameters) {
  const auto router = fhir_router();
  const auto response = router.dispatch(request("GET", "/fhir/ImagingStudy/1.2.840.1?_format=json"));
  EXPECT_EQ(response.status, 200U);
  EXPECT_EQ(body(response)["route"], "read");
  EXPECT_EQ(body(response)["params"], (json{{"type", "ImagingStudy"}, {"id", "1.2.840.1"}}));
  EXPECT_EQ(body(router.dispatch(request("GET", "/")))["route"], "root");
  EXPECT_EQ(body(router.dispatch(request("POST", "/review/42/link")))["params"]["id"], "42");
}

TEST(Router, PrefersALiteralSegmentOverAParameter) {
  const auto router = fhir_router();
  EXPECT_EQ(body(router.dispatch(request("GET", "/fhir/Patient/7")))["route"], "patient");
  EXPECT_EQ(body(router.dispatch(request("GET", "/fhir/Practitioner/7")))["route"], "read");
  EXPECT_EQ(body(router.dispatch(request("PUT", "/fhir/Patient/7")))["route"], "update");
}

TEST(Router, KeepsAnEncodedSlashInsideItsParameter) {
  const auto router = fhir_router();
  const auto response = router.dispatch(request("GET", "/fhir/Binary/a%2Fb%20c"));
  EXPECT_EQ(body(response)["route"], "read");
  EXPECT_EQ(body(response)["params"]["id"], "a/b c");
}

TEST(Router, MatchesARequestBuiltWithAPathOnly) {
  const auto router = fhir_router();
  HttpRequest by_hand;
  by_hand.method = "GET";
  by_hand.path = "/fhir/Patient/100%";  // already decoded: not decoded again
  const auto response = router.dispatch(by_hand);
  EXPECT_EQ(body(response)["params"]["id"], "100%");
}

TEST(Router, AnswersAnUnknownPathWith404) {
  const auto router = fhir_router();
  for (const auto* target : {"/nothing", "/fhir", "/fhir/Patient/7/history", "/fhir/Patient/7/", "/review/1/unlink"}) {
    const auto response = router.dispatch(request("GET", target));
    EXPECT_EQ(response.status, 404U) << target;
    EXPECT_EQ(body(response)["error"]["code"], "http_not_found") << target;
  }
}

TEST(Router, AnswersHeadWithTheGetRoute) {
  Router router;
  router.add("GET", "/studies/{id}", [](const HttpRequest&, const PathParams& params) {
    return json_response(200, "{\"id\":\"" + params.at("id") + "\"}");
  });
  router.add("POST", "/studies", [](const HttpRequest&, const PathParams&) { return json_response(201, "{}"); });
  const auto head = router.dispatch(request("HEAD", "/studies/7"));
  EXPECT_EQ(head.status, 200U);
  EXPECT_EQ(head.body, "{\"id\":\"7\"}");  // the server, not the router, leaves the body out
  EXPECT_EQ(router.dispatch(request("HEAD", "/studies")).status, 405U);  // no GET route there
}

TEST(Router, AnswersAnotherMethodWith405AndAllow) {
  const auto router = fhir_router();
  const auto response = router.dispatch(request("DELETE", "/fhir/Patient/7"));
  EXPECT_EQ(response.status, 405U);
  EXPECT_EQ(body(response)["error"]["code"], "http_method_not_allowed");
  ASSERT_EQ(response.headers.size(), 1U);
  EXPECT_EQ(response.headers[0].first, "Allow");
  EXPECT_EQ(response.headers[0].second, "GET, HEAD, PUT");
  const auto post_only = router.dispatch(request("GET", "/review/1/link"));
  EXPECT_EQ(post_only.status, 405U);
  EXPECT_EQ(post_only.headers[0].second, "POST");
  EXPECT_EQ(router.dispatch(request("get", "/")).status, 405U);  // methods are case-sensitive
}

TEST(Router, LetsAHandlersExceptionThrough) {
  Router router;
  router.add("GET", "/boom",
             [](const HttpRequest&, const PathParams&) -> HttpResponse { throw std::runtime_error("boom"); });
  EXPECT_THROW((void)router.dispatch(request("GET", "/boom")), std::runtime_error);
}

TEST(Router, RefusesBadPatterns) {
  Router router;
  router.add("GET", "/a/{x}", named("a"));
  for (const auto* pattern : {"a/b", "", "/a/{}", "/a/{x}/{x}", "/a/{x}.json", "/a/b{", "/a/{y}"}) {
    EXPECT_THROW(router.add("GET", pattern, named("bad")), std::invalid_argument) << pattern;
  }
  EXPECT_NO_THROW(router.add("POST", "/a/{y}", named("post")));  // same shape, another method
  EXPECT_THROW(router.add("GET", "/b", nullptr), std::invalid_argument);
}

TEST(Router, ServesAsTheServersHandler) {
  const auto router = fhir_router();
  const auto handler = router.handler();
  EXPECT_EQ(body(handler(request("GET", "/fhir/Patient/1")))["route"], "patient");
}

}  // namespace
}  // namespace radloop::portal
