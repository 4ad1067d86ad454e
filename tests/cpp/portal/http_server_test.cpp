// The portal's HTTP server over real loopback sockets on ephemeral ports: requests as the handler
// sees them, keep-alive, hostile input, handler failures, and stop(). Access (tokens, the
// browser checks, deadlines) is in http_server_access_test.cpp.
#include "reference/portal/http_server.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <nlohmann/json.hpp>
#include <random>
#include <stdexcept>
#include <thread>

#include "tests/cpp/portal/http_server_fixture.hpp"

namespace radloop::portal {
namespace {

using namespace std::chrono_literals;
using namespace std::string_literals;
namespace http = boost::beast::http;
using nlohmann::json;
using testing::body_of;
using testing::echo;
using testing::http_request;
using testing::RawClient;
using testing::start_server;
using testing::with_token;

TEST(HttpServer, GetHandsTheHandlerADecodedPathAndQuery) {
  auto server = start_server();
  ASSERT_NE(server, nullptr);
  RawClient client(server->port());
  client.write(http_request("GET", "/fhir/Patient%20X?name=a%20b&name=c+d&flag&&empty=",
                            {{"X-Custom-Field", "Value"}, {"Accept", "application/fhir+json"}}));
  auto response = client.read_response();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->result_int(), 200U);
  EXPECT_EQ((*response)[http::field::content_type], "application/json");
  const auto seen = body_of(*response);
  EXPECT_EQ(seen["method"], "GET");
  EXPECT_EQ(seen["target"], "/fhir/Patient%20X?name=a%20b&name=c+d&flag&&empty=");
  EXPECT_EQ(seen["path"], "/fhir/Patient X");
  EXPECT_EQ(seen["query"], json::parse(R"([["empty",""],["flag",""],["name","a b"],["name","c d"]])"));
  EXPECT_EQ(seen["headers"]["x-custom-field"], "Value");
  EXPECT_EQ(seen["headers"]["accept"], "application/fhir+json");
  EXPECT_TRUE(seen["peer"].get<std::string>().starts_with("127.0.0.1:"));
}

TEST(HttpServer, PostHandsTheBodyToTheHandler) {
  auto server = start_server();
  ASSERT_NE(server, nullptr);
  RawClient client(server->port());
  const auto body = "{\"a\":1}\r\n\0binary"s;  // a NUL inside: the body is bytes, not a C string
  client.write(http_request("POST", "/review/7/link", {{"Content-Type", "application/json"}}, body));
  auto response = client.read_response();
  ASSERT_TRUE(response);
  EXPECT_EQ(body_of(*response)["body"], body);
}

TEST(HttpServer, ReadsAChunkedBody) {
  auto server = start_server();
  ASSERT_NE(server, nullptr);
  RawClient client(server->port());
  client.write(
      "POST /x HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n "
      "world\r\n0\r\n\r\n");
  auto response = client.read_response();
  ASSERT_TRUE(response);
  EXPECT_EQ(body_of(*response)["body"], "hello world");
}

TEST(HttpServer, KeepsTheConnectionOpenForASecondRequest) {
  auto server = start_server();
  ASSERT_NE(server, nullptr);
  RawClient client(server->port());
  client.write(http_request("GET", "/first"));
  auto first = client.read_response();
  ASSERT_TRUE(first);
  EXPECT_TRUE(first->keep_alive());
  ASSERT_TRUE(client.write(http_request("POST", "/second", {}, "two")));
  auto second = client.read_response();
  ASSERT_TRUE(second);
  EXPECT_EQ(body_of(*second)["path"], "/second");
  EXPECT_EQ(body_of(*second)["body"], "two");
  EXPECT_EQ(body_of(*first)["peer"], body_of(*second)["peer"]);  // the same connection
}

TEST(HttpServer, AnswersPipelinedRequestsInOrder) {
  auto server = start_server();
  ASSERT_NE(server, nullptr);
  RawClient client(server->port());
  client.write(http_request("GET", "/a") + http_request("POST", "/b", {}, "xyz") + http_request("GET", "/c"));
  for (const auto* path : {"/a", "/b", "/c"}) {
    auto response = client.read_response();
    ASSERT_TRUE(response) << path;
    EXPECT_EQ(body_of(*response)["path"], path);
  }
}

TEST(HttpServer, ClosesAfterAnHttp10Response) {
  auto server = start_server();
  ASSERT_NE(server, nullptr);
  RawClient client(server->port());
  client.write("GET /old HTTP/1.0\r\n\r\n");
  auto response = client.read_response();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->version(), 10U);
  EXPECT_EQ(body_of(*response)["path"], "/old");
  EXPECT_TRUE(client.closed_by_server());
}

TEST(HttpServer, AnswersAMalformedRequestLineWith400AndCloses) {
  auto server = start_server();
  ASSERT_NE(server, nullptr);
  for (const auto* garbage : {"GARBAGE\r\n\r\n", "GET /x HTTP/9.Z\r\n\r\n", "GET  HTTP/1.1\r\n\r\n",
                              "GET /x HTTP/1.1\r\nBad Field: x\r\n\r\n", "\x16\x03\x01\x02\x01\xfc\x03\x03\r\n\r\n"}) {
    RawClient client(server->port());
    client.write(garbage);
    auto response = client.read_response();
    ASSERT_TRUE(response) << garbage;
    EXPECT_EQ(response->result_int(), 400U) << garbage;
    EXPECT_EQ(body_of(*response)["error"]["code"], "http_bad_request");
    EXPECT_FALSE(response->keep_alive());
    EXPECT_TRUE(client.closed_by_server());
  }
}

TEST(HttpServer, AnswersABadTargetWith400AndKeepsTheConnection) {
  auto server = start_server();
  ASSERT_NE(server, nullptr);
  RawClient client(server->port());
  for (const auto* target : {"/a%zz", "/a?b=%4", "/nul%00byte", "http://example.com/x"}) {
    client.write(http_request("GET", target));
    auto response = client.read_response();
    ASSERT_TRUE(response) << target;
    EXPECT_EQ(response->result_int(), 400U) << target;
    EXPECT_EQ(body_of(*response)["error"]["where"], "request target");
  }
  client.write(http_request("GET", "/fine"));
  auto response = client.read_response();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->result_int(), 200U);
}

TEST(HttpServer, AnswersAnOversizedBodyWith413) {
  HttpServerConfig config;
  config.max_body_bytes = 1024;
  auto server = start_server(config);
  ASSERT_NE(server, nullptr);
  {  // declared up front: refused before a byte of the body is read
    RawClient client(server->port());
    client.write(http_request("POST", "/studies", {}, std::string(2048, 'x')));
    auto response = client.read_response();
    ASSERT_TRUE(response);
    EXPECT_EQ(response->result_int(), 413U);
    EXPECT_EQ(body_of(*response)["error"]["code"], "http_body_too_large");
    EXPECT_TRUE(client.closed_by_server());
  }
  {  // chunked: found while reading
    RawClient client(server->port());
    std::string request = "POST /studies HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n";
    for (int i = 0; i < 3; ++i) {
      request += "200\r\n";
      request.append(512, 'y');
      request += "\r\n";
    }
    request += "0\r\n\r\n";
    client.write(request);
    auto response = client.read_response();
    ASSERT_TRUE(response);
    EXPECT_EQ(response->result_int(), 413U);
  }
  {  // exactly at the limit is fine
    RawClient client(server->port());
    client.write(http_request("POST", "/studies", {}, std::string(1024, 'z')));
    auto response = client.read_response();
    ASSERT_TRUE(response);
    EXPECT_EQ(response->result_int(), 200U);
  }
}

TEST(HttpServer, AnswersOversizedHeadersWith431) {
  auto server = start_server();
  ASSERT_NE(server, nullptr);
  RawClient client(server->port());
  client.write(http_request("GET", "/x", {{"X-Big", std::string(std::size_t{64} * 1024, 'h')}}));
  auto response = client.read_response();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->result_int(), 431U);
}

TEST(HttpServer, AnswersAThrowingHandlerWith500AndKeepsServing) {
  auto server = start_server({}, [](const HttpRequest& request) -> HttpResponse {
    if (request.path == "/boom") throw std::runtime_error("database path /var/secret is gone");
    if (request.path == "/boom-int") throw 42;
    return echo(request);
  });
  ASSERT_NE(server, nullptr);
  RawClient client(server->port());
  for (const auto* path : {"/boom", "/boom-int"}) {
    client.write(http_request("GET", path));
    auto failed = client.read_response();
    ASSERT_TRUE(failed);
    EXPECT_EQ(failed->result_int(), 500U);
    EXPECT_EQ(body_of(*failed)["error"]["code"], "internal");
    EXPECT_EQ(failed->body().find("secret"), std::string::npos);  // the exception text stays in the log
  }
  client.write(http_request("GET", "/after"));
  auto after = client.read_response();
  ASSERT_TRUE(after);
  EXPECT_EQ(after->result_int(), 200U);
  RawClient another(server->port());
  another.write(http_request("GET", "/another"));
  auto fresh = another.read_response();
  ASSERT_TRUE(fresh);
  EXPECT_EQ(fresh->result_int(), 200U);
}

TEST(HttpServer, ReplacesAResponseThatIsNotValidHttpWith500) {
  auto server = start_server({}, [](const HttpRequest& request) {
    HttpResponse response = json_response(200, "{}");
    if (request.path == "/split") response.headers.emplace_back("X-Echo", "a\r\nSet-Cookie: evil=1");
    if (request.path == "/status") response.status = 1000;
    if (request.path == "/nocontent") {
      response = HttpResponse{.status = 204, .content_type = "", .body = "x", .headers = {}, .pieces = {}};
    }
    return response;
  });
  ASSERT_NE(server, nullptr);
  RawClient client(server->port());
  for (const auto* path : {"/split", "/status", "/nocontent"}) {
    client.write(http_request("GET", path));
    auto response = client.read_response();
    ASSERT_TRUE(response) << path;
    EXPECT_EQ(response->result_int(), 500U) << path;
    EXPECT_EQ(response->count(http::field::set_cookie), 0U);
  }
}

TEST(HttpServer, SendsTheHandlersStatusHeadersAndContentType) {
  auto server = start_server({}, [](const HttpRequest& request) {
    if (request.path == "/empty")
      return HttpResponse{.status = 204, .content_type = "", .body = "", .headers = {}, .pieces = {}};
    HttpResponse response{.status = 201, .content_type = "text/plain", .body = "made", .headers = {}, .pieces = {}};
    response.headers.emplace_back("Location", "/review/9");
    response.headers.emplace_back("Content-Length", "999");  // the server's to set
    return response;
  });
  ASSERT_NE(server, nullptr);
  RawClient client(server->port());
  client.write(http_request("POST", "/review", {}, "x"));
  auto created = client.read_response();
  ASSERT_TRUE(created);
  EXPECT_EQ(created->result_int(), 201U);
  EXPECT_EQ((*created)[http::field::location], "/review/9");
  EXPECT_EQ((*created)[http::field::content_type], "text/plain");
  EXPECT_EQ(created->body(), "made");
  client.write(http_request("DELETE", "/empty"));
  auto empty = client.read_response();
  ASSERT_TRUE(empty);
  EXPECT_EQ(empty->result_int(), 204U);
  EXPECT_EQ(empty->count(http::field::content_length), 0U);
  client.write(http_request("GET", "/still-open"));
  EXPECT_TRUE(client.read_response());
}

TEST(HttpServer, SendsContinueBeforeReadingTheBody) {
  auto server = start_server();
  ASSERT_NE(server, nullptr);
  RawClient client(server->port());
  client.write("PUT /x HTTP/1.1\r\nHost: 127.0.0.1\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n");
  auto interim = client.read_response();
  ASSERT_TRUE(interim);
  EXPECT_EQ(interim->result_int(), 100U);
  client.write("hello");
  auto response = client.read_response();
  ASSERT_TRUE(response);
  EXPECT_EQ(body_of(*response)["body"], "hello");
}

TEST(HttpServer, ClosesAConnectionWhoseRequestDoesNotArriveInTime) {
  HttpServerConfig config;
  config.read_timeout = std::chrono::seconds(1);
  auto server = start_server(config);
  ASSERT_NE(server, nullptr);
  RawClient client(server->port());
  client.write("GET /slow HTTP/1.1\r\nHost: 127.0.0.1\r\n");  // never finished
  EXPECT_TRUE(client.closed_by_server(5s));
}

TEST(HttpServer, SurvivesRandomBytes) {
  auto server = start_server();
  ASSERT_NE(server, nullptr);
  std::mt19937 random(20240601);  // fixed: a failure is reproducible
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_int_distribution<int> length(1, 4096);
  for (int round = 0; round < 40; ++round) {
    RawClient client(server->port());
    std::string noise = round % 2 == 0 ? "POST /x HTTP/1.1\r\n" : "";
    const int n = length(random);
    for (int i = 0; i < n; ++i) noise += static_cast<char>(byte(random));
    client.write(noise);
    client.close();
  }
  RawClient client(server->port());
  client.write(http_request("GET", "/still-alive"));
  auto response = client.read_response();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->result_int(), 200U);
}

TEST(HttpServer, StopClosesAnIdleConnectionPromptly) {
  HttpServerConfig config;
  config.drain_timeout = 10s;  // far longer than the test allows: an idle connection must not wait for it
  auto server = start_server(config);
  ASSERT_NE(server, nullptr);
  RawClient idle(server->port());
  idle.write(http_request("GET", "/once"));
  ASSERT_TRUE(idle.read_response());
  RawClient never_spoke(server->port());
  const auto began = std::chrono::steady_clock::now();
  server->stop();
  EXPECT_LT(std::chrono::steady_clock::now() - began, 3s);
  EXPECT_TRUE(idle.closed_by_server(5s));
  EXPECT_TRUE(never_spoke.closed_by_server(5s));
}

TEST(HttpServer, StopAnswersTheRequestInFlightThenCloses) {
  std::promise<void> entered;
  auto server = start_server({}, [&](const HttpRequest& request) {
    entered.set_value();
    std::this_thread::sleep_for(300ms);
    return echo(request);
  });
  ASSERT_NE(server, nullptr);
  RawClient client(server->port());
  client.write(http_request("GET", "/slow"));
  entered.get_future().wait();
  std::thread stopper([&] { server->stop(); });
  auto response = client.read_response();
  stopper.join();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->result_int(), 200U);
  EXPECT_TRUE(client.closed_by_server(5s));
}

TEST(HttpServer, WaitsAtMaxConnectionsUntilOneCloses) {
  HttpServerConfig config;
  config.max_connections = 1;
  auto server = start_server(config);
  ASSERT_NE(server, nullptr);
  RawClient first(server->port());
  first.write(http_request("GET", "/first"));
  ASSERT_TRUE(first.read_response());
  RawClient second(server->port());  // the kernel queues it; the server does not take it yet
  second.write(http_request("GET", "/second"));
  EXPECT_FALSE(second.read_response(300ms));
  first.close();
  auto response = second.read_response();
  ASSERT_TRUE(response);
  EXPECT_EQ(body_of(*response)["path"], "/second");
}

// A HEAD is answered with the length a GET would get and no body, streamed or not: a body would
// be read as the start of the next response on a kept-alive connection.
TEST(HttpServer, AnswersHeadWithTheLengthAndNoBody) {
  auto server = start_server({}, [](const HttpRequest& request) {
    HttpResponse r;
    r.content_type = "text/plain";
    if (request.path == "/streamed") {
      r.pieces = {{"hello", ""}, {" world", ""}};
    } else {
      r.body = "hello";
    }
    return r;
  });
  ASSERT_NE(server, nullptr);
  boost::asio::io_context io;
  boost::asio::ip::tcp::socket socket(io);
  socket.connect({boost::asio::ip::make_address("127.0.0.1"), server->port()});
  boost::asio::write(socket, boost::asio::buffer(http_request("HEAD", "/plain") + http_request("HEAD", "/streamed") +
                                                 http_request("GET", "/plain", {{"Connection", "close"}})));
  std::string received;
  boost::system::error_code ec;
  boost::asio::read(socket, boost::asio::dynamic_buffer(received), ec);
  // Three responses back to back: two headers alone, then the GET's header and its body.
  const auto first = received.find("\r\n\r\n");
  ASSERT_NE(first, std::string::npos) << received;
  EXPECT_NE(received.substr(0, first).find("Content-Length: 5"), std::string::npos) << received;
  EXPECT_TRUE(received.compare(first + 4, 9, "HTTP/1.1 ") == 0) << received;
  const auto second = received.find("\r\n\r\n", first + 4);
  ASSERT_NE(second, std::string::npos) << received;
  EXPECT_NE(received.substr(first, second - first).find("Content-Length: 11"), std::string::npos) << received;
  EXPECT_TRUE(received.compare(second + 4, 9, "HTTP/1.1 ") == 0) << received;
  EXPECT_TRUE(received.ends_with("\r\n\r\nhello")) << received;
}

TEST(HttpServer, ServesCurlAsAnIndependentClient) {
  // NOLINTNEXTLINE(concurrency-mt-unsafe): nothing else in this process calls system() meanwhile
  ASSERT_EQ(std::system("command -v curl >/dev/null 2>&1"), 0) << "curl is missing; ci/setup.sh installs it";
  auto server = start_server(with_token());
  ASSERT_NE(server, nullptr);
  std::string base = "http://127.0.0.1:";
  base += std::to_string(server->port());
  // A body over 1 KiB makes curl send "Expect: 100-continue" and wait for the interim response.
  const std::size_t payload_size = 4000;
  std::string command = "head -c 4000 /dev/zero | tr '\\0' p | ";
  command += "curl -sS --max-time 20 -H 'Authorization: Bearer s3cret-token-of-16' -H 'Content-Type: text/plain' ";
  command += "--data-binary @- -w '\\n%{http_code}' '";
  command += base;
  command += "/upload?x=1+2'";
  std::string output;
  {
    FILE* pipe = popen(command.c_str(), "r");
    ASSERT_NE(pipe, nullptr);
    std::array<char, 4096> chunk{};
    while (const auto n = std::fread(chunk.data(), 1, chunk.size(), pipe)) output.append(chunk.data(), n);
    EXPECT_EQ(pclose(pipe), 0) << output;
  }
  const auto newline = output.rfind('\n');
  ASSERT_NE(newline, std::string::npos) << output;
  EXPECT_EQ(output.substr(newline + 1), "200");
  const auto seen = json::parse(output.substr(0, newline));
  EXPECT_EQ(seen["method"], "POST");
  EXPECT_EQ(seen["body"].get<std::string>(), std::string(payload_size, 'p'));
  EXPECT_EQ(seen["query"], json::parse(R"([["x","1 2"]])"));

  // And without the token curl sees the 401.
  std::string refused = "curl -s -o /dev/null -w '%{http_code}' --max-time 20 '";
  refused += base;
  refused += "/fhir/Patient'";
  FILE* pipe = popen(refused.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::array<char, 16> code{};
  const auto n = std::fread(code.data(), 1, code.size(), pipe);
  pclose(pipe);
  EXPECT_EQ(std::string(code.data(), n), "401");
}

}  // namespace
}  // namespace radloop::portal
