// Bodies too large to hold in memory. Out: responses the portal's HTTP server sends as they are
// read (HttpResponse::pieces, WADO-RS from files): the body whole and exact with its announced
// length, the connection kept alive after it, a file that cannot be read before the response goes
// out answered 500, one that shrinks while it is sent cutting the connection instead of a short
// body. In: request bodies spooled to an unlinked file (HttpServerConfig::spool, STOW-RS), whole,
// within their limit, and leaving nothing behind.
#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/asio.hpp>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "reference/portal/http_server.hpp"
#include "tests/cpp/portal/http_server_fixture.hpp"

namespace radloop::portal {
namespace {

namespace fs = std::filesystem;
namespace http = boost::beast::http;
using testing::http_request;
using testing::RawClient;
using testing::start_server;

class LargeBodies : public ::testing::Test {
 protected:
  LargeBodies() : dir_(fs::temp_directory_path() / ("radloop-streamed-" + std::to_string(::getpid()))) {
    fs::create_directories(dir_);
  }
  ~LargeBodies() override { fs::remove_all(dir_); }
  LargeBodies(const LargeBodies&) = delete;
  LargeBodies& operator=(const LargeBodies&) = delete;

  // A file of `size` random bytes; returns its path and its bytes.
  std::pair<std::string, std::string> file(const std::string& name, std::size_t size) {
    std::mt19937 random(static_cast<unsigned>(size));
    std::string bytes(size, '\0');
    for (auto& b : bytes) b = static_cast<char>(random());
    const auto path = (dir_ / name).string();
    std::ofstream(path, std::ios::binary) << bytes;
    return {path, bytes};
  }

  // A server whose handler answers /study with these pieces, and {} elsewhere.
  static std::unique_ptr<HttpServer> serving(std::vector<BodyPiece> pieces, std::string content_type = "") {
    return start_server({}, [pieces = std::move(pieces), content_type](const HttpRequest& request) {
      if (request.path != "/study") return json_response(200, "{}");
      HttpResponse r;
      if (!content_type.empty()) r.content_type = content_type;
      r.pieces = pieces;
      return r;
    });
  }

  // The response to GET /study on `client`, and that the connection then serves another request.
  static std::optional<testing::Response> study_then_next(RawClient& client) {
    client.write(http_request("GET", "/study"));
    auto response = client.read_response();
    client.write(http_request("GET", "/next"));
    auto next = client.read_response();
    EXPECT_TRUE(next && next->body() == "{}") << "the connection does not serve the next request";
    return response;
  }

  fs::path dir_;
};

TEST_F(LargeBodies, SendsBytesAndFilesInOrderWithTheirLengthAndKeepsTheConnection) {
  const auto [small, small_bytes] = file("small", 10);
  const auto [large, large_bytes] = file("large", std::size_t{3} * 1024 * 1024 + 17);  // many chunks
  const auto [empty, empty_bytes] = file("empty", 0);
  auto server =
      serving({{"head:", ""}, {"", small}, {"", empty}, {"", large}, {":tail", ""}}, "application/octet-stream");
  ASSERT_NE(server, nullptr);
  RawClient client(server->port());
  const auto response = study_then_next(client);
  ASSERT_TRUE(response);
  EXPECT_EQ(response->result_int(), 200U);
  EXPECT_EQ((*response)[http::field::content_type], "application/octet-stream");
  const auto expected = "head:" + small_bytes + empty_bytes + large_bytes + ":tail";
  EXPECT_EQ((*response)[http::field::content_length], std::to_string(expected.size()));
  EXPECT_TRUE(response->body() == expected) << "the body differs (" << response->body().size() << " bytes)";
}

TEST_F(LargeBodies, AFileThatCannotBeReadIsA500AndTheConnectionGoesOn) {
  const auto missing = (dir_ / "gone").string();
  auto server = serving({{"head", ""}, {"", missing}});
  ASSERT_NE(server, nullptr);
  RawClient client(server->port());
  const auto response = study_then_next(client);
  ASSERT_TRUE(response);
  EXPECT_EQ(response->result_int(), 500U);
  EXPECT_NE(response->body().find("io_failed"), std::string::npos) << response->body();
  EXPECT_EQ(response->body().find(missing), std::string::npos) << "the path stays in the server's log";
}

// The length went out with the header; a file changed after that must not pass for a whole body
// (nor send another file's bytes under it): the connection is cut, and the client sees fewer
// bytes than announced and the end.
TEST_F(LargeBodies, AFileThatShrinksWhileSentCutsTheConnection) {
  // 32 MiB first: more than the loopback buffers hold, so the server is still on it when the
  // second file is truncated below.
  const auto [first, first_bytes] = file("first", std::size_t{32} * 1024 * 1024);
  const auto [second, second_bytes] = file("second", std::size_t{1024} * 1024);
  auto server = serving({{"", first}, {"", second}});
  ASSERT_NE(server, nullptr);
  boost::asio::io_context io;
  boost::asio::ip::tcp::socket socket(io);
  socket.connect({boost::asio::ip::make_address("127.0.0.1"), server->port()});
  boost::asio::write(socket, boost::asio::buffer(http_request("GET", "/study")));
  std::string received;
  boost::asio::read_until(socket, boost::asio::dynamic_buffer(received), "\r\n\r\n");
  const auto header_end = received.find("\r\n\r\n") + 4;
  EXPECT_NE(received.find("Content-Length: " + std::to_string(first_bytes.size() + second_bytes.size())),
            std::string::npos)
      << received.substr(0, header_end);
  fs::resize_file(second, 1000);  // after the sizes were taken, before the file is read
  boost::system::error_code ec;
  boost::asio::read(socket, boost::asio::dynamic_buffer(received), ec);  // to the end
  EXPECT_TRUE(ec == boost::asio::error::eof || ec == boost::asio::error::connection_reset) << ec.message();
  // The second file is found changed when its turn comes: not a byte of it goes.
  EXPECT_EQ(received.size() - header_end, first_bytes.size());
}

TEST_F(LargeBodies, PiecesOnA204AreRefusedAsInvalidHttp) {
  auto server = start_server({}, [&](const HttpRequest&) {
    HttpResponse r;
    r.status = 204;
    r.pieces = {{"x", ""}};
    return r;
  });
  ASSERT_NE(server, nullptr);
  RawClient client(server->port());
  client.write(http_request("GET", "/"));
  auto response = client.read_response();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->result_int(), 500U);
}

TEST_F(LargeBodies, ASpooledBodyReachesTheHandlerWholeAndLeavesNoFile) {
  HttpServerConfig config;
  config.spool = [](std::string_view method, std::string_view path) { return method == "POST" && path == "/up"; };
  config.spool_directory = dir_.string();
  config.body_limit = [](std::string_view, std::string_view) { return std::size_t{4} * 1024 * 1024; };
  struct Seen {
    bool spooled = false;
    std::string body;
    std::size_t files_while_handled = 0;
  };
  Seen seen;
  auto server = start_server(config, [&](const HttpRequest& request) {
    seen.spooled = request.spooled != nullptr && request.body.empty();
    seen.body = std::string(request.body_bytes());
    seen.files_while_handled = static_cast<std::size_t>(std::distance(fs::directory_iterator(dir_), {}));
    return json_response(200, "{}");
  });
  ASSERT_NE(server, nullptr);
  const auto [unused, bytes] = file("payload", std::size_t{3} * 1024 * 1024);
  fs::remove(unused);
  RawClient client(server->port());
  client.write(http_request("POST", "/up", {{"Content-Type", "application/octet-stream"}}, bytes));
  auto response = client.read_response();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->result_int(), 200U);
  EXPECT_TRUE(seen.spooled);
  EXPECT_TRUE(seen.body == bytes) << seen.body.size() << " bytes";
  EXPECT_EQ(seen.files_while_handled, 0U) << "the spool file is unlinked when made";

  // A chunked body is spooled too; a route that is not spooled keeps its body in memory.
  client.write(
      "POST /up HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n");
  response = client.read_response();
  ASSERT_TRUE(response);
  EXPECT_TRUE(seen.spooled);
  EXPECT_EQ(seen.body, "hello world");
  client.write(http_request("POST", "/other", {}, "small"));
  response = client.read_response();
  ASSERT_TRUE(response);
  EXPECT_FALSE(seen.spooled);
  EXPECT_EQ(seen.body, "small");
}

TEST_F(LargeBodies, ASpooledBodyIsHeldToItsLimit) {
  HttpServerConfig config;
  config.spool = [](std::string_view, std::string_view) { return true; };
  config.spool_directory = dir_.string();
  config.body_limit = [](std::string_view, std::string_view) { return std::size_t{1000}; };
  bool handled = false;
  auto server = start_server(config, [&](const HttpRequest&) {
    handled = true;
    return json_response(200, "{}");
  });
  ASSERT_NE(server, nullptr);
  RawClient client(server->port());
  // Chunked: no length to refuse up front, so the limit is met while the body is written.
  std::string chunked = "POST /up HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 3; ++i) chunked += "200\r\n" + std::string(0x200, 'x') + "\r\n";
  chunked += "0\r\n\r\n";
  client.write(chunked);
  auto response = client.read_response();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->result_int(), 413U);
  EXPECT_FALSE(handled);
}

TEST_F(LargeBodies, AnUnusableSpoolDirectoryRefusesTheBodyAndTheServerGoesOn) {
  HttpServerConfig config;
  config.spool = [](std::string_view method, std::string_view) { return method == "POST"; };
  config.spool_directory = (dir_ / "missing").string();
  auto server = start_server(config);
  ASSERT_NE(server, nullptr);
  RawClient client(server->port());
  client.write(http_request("POST", "/up", {}, "body"));
  auto response = client.read_response();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->result_int(), 500U);
  RawClient next(server->port());
  next.write(http_request("GET", "/"));
  response = next.read_response();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->result_int(), 200U);
}

}  // namespace
}  // namespace radloop::portal
