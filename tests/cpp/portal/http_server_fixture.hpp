// What the portal's HTTP server tests share: a handler that echoes what it saw, a server started
// with it, and a configuration with a token and public paths.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <optional>

#include "reference/portal/http_server.hpp"
#include "tests/cpp/portal/http_test_client.hpp"

namespace radloop::portal::testing {

// What the handler saw, as JSON, so a test reads it back from the response.
inline HttpResponse echo(const HttpRequest& request) {
  nlohmann::json query = nlohmann::json::array();
  for (const auto& [key, value] : request.query) query.push_back({key, value});
  const nlohmann::json seen = {{"method", request.method}, {"target", request.target},   {"path", request.path},
                               {"query", query},           {"headers", request.headers}, {"body", request.body},
                               {"peer", request.peer}};
  return json_response(200, seen.dump());
}

inline std::unique_ptr<HttpServer> start_server(HttpServerConfig config = {}, HttpHandler handler = echo) {
  auto server = HttpServer::start(std::move(config), std::move(handler));
  EXPECT_TRUE(server.ok()) << server.error().message();
  return server.ok() ? std::move(server).value() : nullptr;
}

inline nlohmann::json body_of(const Response& response) { return nlohmann::json::parse(response.body()); }

inline HttpServerConfig with_token() {
  HttpServerConfig config;
  config.credentials = {{"alice", "s3cret-token-of-16"}};
  config.public_paths = {"/", "/console/"};
  return config;
}

inline void expect_unauthorized(const std::optional<Response>& response) {
  ASSERT_TRUE(response);
  EXPECT_EQ(response->result_int(), 401U);
  EXPECT_EQ((*response)[boost::beast::http::field::www_authenticate], "Bearer");
  const nlohmann::json expected = {{"error", {{"code", "http_unauthorized"}, {"where", ""}, {"detail", ""}}}};
  EXPECT_EQ(body_of(*response), expected);
}

}  // namespace radloop::portal::testing
