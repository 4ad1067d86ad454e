// The server's side of access: the bearer token and who holds it, the configurations refused at
// start, what a web page could send refused before any handler runs, and a peer that trickles
// its request cut at the deadline.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include "reference/portal/http_server.hpp"
#include "tests/cpp/portal/http_server_fixture.hpp"

namespace radloop::portal {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using testing::body_of;
using testing::echo;
using testing::expect_unauthorized;
using testing::http_request;
using testing::RawClient;
using testing::start_server;
using testing::with_token;

// The holder the request was authenticated as, so a test reads it back.
HttpResponse holder(const HttpRequest& request) {
  return json_response(200, json{{"holder", request.credential}}.dump());
}

std::unique_ptr<HttpServer> start(HttpServerConfig config) {
  auto server = HttpServer::start(std::move(config), holder);
  EXPECT_TRUE(server.ok()) << server.error().message();
  return server.ok() ? std::move(server).value() : nullptr;
}

TEST(HttpServerAccess, TheHandlerKnowsWhoseTokenCameWithTheRequest) {
  HttpServerConfig config;
  config.credentials = {{"alice", "alice-token-0123456"}, {"bob", "bob-token-0123456789"}};
  config.public_paths = {"/"};
  auto server = start(config);
  RawClient client(server->port());
  for (const auto& [token, expected] : {std::pair{"alice-token-0123456", "alice"}, {"bob-token-0123456789", "bob"}}) {
    ASSERT_TRUE(client.write(http_request("GET", "/data", {{"Authorization", std::string("Bearer ") + token}})));
    const auto response = client.read_response();
    ASSERT_TRUE(response.has_value());
    EXPECT_EQ(json::parse(response->body())["holder"], expected);
  }
  ASSERT_TRUE(client.write(http_request("GET", "/")));
  auto response = client.read_response();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(json::parse(response->body())["holder"], "") << "a public path, no token";
  ASSERT_TRUE(client.write(http_request("GET", "/data", {{"Authorization", "Bearer carol-token-0123456"}})));
  response = client.read_response();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->result_int(), 401U);
}

TEST(HttpServerAccess, AShortOrOwnerlessTokenIsRefusedAtStart) {
  HttpServerConfig config;
  config.credentials = {{"ops", "s3cret"}};
  auto server = HttpServer::start(config, holder);
  ASSERT_FALSE(server.ok());
  EXPECT_EQ(server.error().code, Errc::invalid_config);
  EXPECT_NE(server.error().detail.find("has 6 characters; at least 16"), std::string::npos) << server.error().detail;
}

TEST(HttpServerAccess, WithoutATokenARequestToAnotherNameOrFromAnotherSiteIsRefused) {
  auto server = start(HttpServerConfig{});
  // Each on a connection of its own: a refusal with a body still coming closes the connection.
  const auto status_of = [&](const std::string& request) {
    RawClient client(server->port());
    EXPECT_TRUE(client.write(request));
    auto response = client.read_response();
    return response ? std::make_pair(response->result_int(), response->body()) : std::make_pair(0U, std::string());
  };
  // DNS rebinding: the browser thinks it talks to evil.example, and says so in Host.
  auto [status, body] = status_of("GET /fhir/Patient HTTP/1.1\r\nHost: evil.example:8080\r\n\r\n");
  EXPECT_EQ(status, 403U);
  EXPECT_EQ(json::parse(body)["error"]["code"], "http_forbidden");
  // A form on another site posting here.
  std::tie(status, body) =
      status_of(http_request("POST", "/review/1/link", {{"Origin", "https://evil.example"}}, "{}"));
  EXPECT_EQ(status, 403U);
  EXPECT_NE(body.find("a page from https://evil.example sent it"), std::string::npos) << body;
  // The console's own page, and a tool.
  EXPECT_EQ(status_of(http_request("POST", "/review/1/link", {{"Origin", "http://127.0.0.1"}}, "{}")).first, 200U);
  EXPECT_EQ(status_of(http_request("POST", "/review/1/link", {}, "{}")).first, 200U);
}

TEST(HttpServerAccess, RefusesARequestWithoutTheToken) {
  std::atomic<int> calls{0};
  auto server = start_server(with_token(), [&](const HttpRequest& r) {
    ++calls;
    return echo(r);
  });
  ASSERT_NE(server, nullptr);
  RawClient client(server->port());
  client.write(http_request("GET", "/fhir/Patient/1"));
  expect_unauthorized(client.read_response());
  // No body was coming, so the connection stays usable.
  client.write(http_request("GET", "/fhir/Patient/1", {{"Authorization", "Basic czNjcmV0LXRva2Vu"}}));
  expect_unauthorized(client.read_response());
  EXPECT_EQ(calls, 0);
}

TEST(HttpServerAccess, RefusesAWrongToken) {
  auto server = start_server(with_token());
  ASSERT_NE(server, nullptr);
  for (const auto* presented : {"Bearer wrong", "Bearer s3cret-toke", "Bearer s3cret-token-of-162", "Bearer ",
                                "Bearers3cret-token-of-16", "s3cret-token-of-16"}) {
    RawClient client(server->port());
    client.write(http_request("GET", "/fhir/Patient/1", {{"Authorization", presented}}));
    expect_unauthorized(client.read_response());
  }
}

TEST(HttpServerAccess, RefusesAnUnauthorizedUploadAndClosesInsteadOfReadingIt) {
  auto server = start_server(with_token());
  ASSERT_NE(server, nullptr);
  RawClient client(server->port());
  client.write(http_request("POST", "/studies", {{"Content-Length", "1000000"}}));
  expect_unauthorized(client.read_response());
  EXPECT_TRUE(client.closed_by_server());
}

TEST(HttpServerAccess, ServesARequestWithTheToken) {
  auto server = start_server(with_token());
  ASSERT_NE(server, nullptr);
  RawClient client(server->port());
  client.write(http_request("GET", "/fhir/Patient/1", {{"Authorization", "bearer  s3cret-token-of-16"}}));
  auto response = client.read_response();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->result_int(), 200U);
  // The token is checked by the server and kept from the handler.
  EXPECT_FALSE(body_of(*response)["headers"].contains("authorization"));
}

TEST(HttpServerAccess, ServesPublicPathsWithoutAToken) {
  auto server = start_server(with_token());
  ASSERT_NE(server, nullptr);
  RawClient client(server->port());
  for (const auto* path : {"/", "/console/", "/console/app.js", "/console/css/site.css?v=2"}) {
    client.write(http_request("GET", path));
    auto response = client.read_response();
    ASSERT_TRUE(response) << path;
    EXPECT_EQ(response->result_int(), 200U) << path;
  }
  // "/" is the root only, and "/console/" does not cover "/console" or a path climbing out of it.
  for (const auto* path : {"/fhir/Patient", "/console", "/consoleX/a"}) {
    client.write(http_request("GET", path));
    expect_unauthorized(client.read_response());
  }
  for (const auto* path : {"/console/../fhir/Patient", "/console/%2e%2e/fhir/Patient", "/console/..%2Ffhir"}) {
    client.write(http_request("GET", path));
    auto response = client.read_response();
    ASSERT_TRUE(response) << path;
    EXPECT_EQ(response->result_int(), 400U) << path;
  }
}

TEST(HttpServerAccess, RefusesToListenBeyondLoopbackWithoutAToken) {
  for (const auto* address : {"0.0.0.0", "::", "192.0.2.10"}) {
    HttpServerConfig config;
    config.bind_address = address;
    auto server = HttpServer::start(config, echo);
    ASSERT_FALSE(server.ok()) << address;
    EXPECT_EQ(server.error().code, Errc::portal_token_required) << address;
    EXPECT_NE(server.error().message().find("no token is set"), std::string::npos);
  }
  HttpServerConfig config;
  config.bind_address = "0.0.0.0";
  config.credentials = {{"ops", "0123456789abcdef"}};
  auto server = HttpServer::start(config, echo);
  EXPECT_TRUE(server.ok()) << server.error().message();
}

TEST(HttpServerAccess, RefusesABadConfiguration) {
  HttpServerConfig config;
  config.bind_address = "localhost";  // an address, not a name to resolve
  EXPECT_EQ(HttpServer::start(config, echo).error().code, Errc::invalid_config);
  config = {};
  config.public_paths = {"console/"};
  EXPECT_EQ(HttpServer::start(config, echo).error().code, Errc::invalid_config);
  EXPECT_EQ(HttpServer::start({}, nullptr).error().code, Errc::invalid_config);
}

HttpServerConfig impatient() {
  HttpServerConfig config;
  config.read_timeout = 1s;
  config.request_timeout = 2s;
  return config;
}

// Each read comes within the read timeout; the header as a whole does not. The 408 cannot come
// before the deadline, and says which one passed.
TEST(HttpServerAccess, HeadersTrickledPastTheReadTimeoutGet408) {
  auto server = start(impatient());
  RawClient client(server->port());
  const auto began = std::chrono::steady_clock::now();
  ASSERT_TRUE(client.write("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: a"));
  for (int i = 0; i < 2; ++i) {  // a byte every 400 ms, then nothing: the header never ends
    std::this_thread::sleep_for(400ms);
    ASSERT_TRUE(client.write("a"));
  }
  const auto response = client.read_response(5s);
  ASSERT_TRUE(response);
  EXPECT_GE(std::chrono::steady_clock::now() - began, 1s);
  EXPECT_EQ(response->result_int(), 408U);
  EXPECT_NE(response->body().find("the request line and headers did not arrive whole within 1 s"), std::string::npos)
      << response->body();
  EXPECT_TRUE(client.closed_by_server());
}

// A body that keeps moving (a byte every 300 ms, within the 1 s read timeout) until just before
// the 2 s request deadline: the 408 comes at that deadline, not at the read timeout.
TEST(HttpServerAccess, ABodyTrickledPastTheRequestTimeoutGet408) {
  auto server = start(impatient());
  RawClient client(server->port());
  ASSERT_TRUE(client.write("POST /x HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\n"));
  const auto began = std::chrono::steady_clock::now();
  for (int i = 0; i < 5; ++i) {
    std::this_thread::sleep_for(300ms);
    ASSERT_TRUE(client.write("b"));
  }
  const auto response = client.read_response(5s);
  ASSERT_TRUE(response);
  EXPECT_GE(std::chrono::steady_clock::now() - began, 2s);
  EXPECT_EQ(response->result_int(), 408U);
  EXPECT_NE(response->body().find("the body did not arrive whole within 2 s"), std::string::npos) << response->body();
}

TEST(HttpServerAccess, ABodyThatStopsGets408AfterTheReadTimeout) {
  auto server = start(impatient());
  RawClient client(server->port());
  ASSERT_TRUE(client.write("POST /x HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\nabc"));
  const auto response = client.read_response(5s);
  ASSERT_TRUE(response);
  EXPECT_EQ(response->result_int(), 408U);
  EXPECT_NE(response->body().find("the body stopped arriving for 1 s"), std::string::npos) << response->body();
}

// One address may hold only so many connections: trickling from one host cannot take every place.
TEST(HttpServerAccess, OneAddressHoldsAtMostItsShareOfConnections) {
  HttpServerConfig config;
  config.max_connections_per_peer = 3;
  auto server = start(config);
  std::vector<std::unique_ptr<RawClient>> held;
  for (int i = 0; i < 3; ++i) {
    held.push_back(std::make_unique<RawClient>(server->port()));
    ASSERT_TRUE(held.back()->write("GET / HTTP/1.1\r\n"));  // begun, never finished
  }
  RawClient fourth(server->port());
  EXPECT_TRUE(fourth.closed_by_server(5s)) << "the fourth from the same address is closed at once";
  held.pop_back();  // one closes: a place is free again
  for (int attempt = 0; attempt < 50; ++attempt) {
    RawClient again(server->port());
    if (!again.write(http_request("GET", "/"))) continue;
    if (auto response = again.read_response(1s)) {
      EXPECT_EQ(response->result_int(), 200U);
      return;
    }
  }
  ADD_FAILURE() << "no connection was served after one of the three closed";
}

}  // namespace
}  // namespace radloop::portal
