// A raw HTTP/1.1 client for the portal tests: it writes exactly the bytes a test gives, reads
// responses with Beast's parser, and tells when the server has closed the connection.
#pragma once

#include <gtest/gtest.h>

#include <array>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace radloop::portal::testing {

namespace http = boost::beast::http;
using Response = http::response<http::string_body>;

// Generous, because the sanitizer build on two shared cores is slow; never a performance bound.
inline constexpr std::chrono::milliseconds kPatience{20'000};

// "GET /x HTTP/1.1" with Host, the given fields, and Content-Length when there is a body.
inline std::string http_request(std::string_view method, std::string_view target,
                                const std::vector<std::pair<std::string, std::string>>& fields = {},
                                std::string_view body = {}) {
  std::string text(method);
  text += ' ';
  text += target;
  text += " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
  for (const auto& [name, value] : fields) {
    text += name;
    text += ": ";
    text += value;
    text += "\r\n";
  }
  if (!body.empty()) {
    text += "Content-Length: ";
    text += std::to_string(body.size());
    text += "\r\n";
  }
  text += "\r\n";
  text += body;
  return text;
}

class RawClient {
 public:
  explicit RawClient(std::uint16_t port) : socket_(io_) {
    socket_.connect({boost::asio::ip::make_address("127.0.0.1"), port});
    socket_.set_option(boost::asio::ip::tcp::no_delay(true));
  }

  // False when the server has already closed (a reset while writing).
  bool write(std::string_view bytes) {
    boost::system::error_code ec;
    boost::asio::write(socket_, boost::asio::buffer(bytes), ec);
    return !ec;
  }

  // The next response (a 1xx counts as one), or nullopt if the connection closed or nothing
  // complete came within patience.
  std::optional<Response> read_response(std::chrono::milliseconds patience = kPatience) {
    http::response_parser<http::string_body> parser;
    // Not boost::none: Beast 1.74 then refuses every Content-Length (it compares the length with
    // an empty optional).
    parser.body_limit(std::numeric_limits<std::uint64_t>::max());
    boost::system::error_code result = boost::asio::error::timed_out;
    bool done = false;
    http::async_read(socket_, buffer_, parser, [&](boost::system::error_code ec, std::size_t) {
      result = ec;
      done = true;
    });
    run(patience, done);
    if (!done || result) return std::nullopt;
    return parser.release();
  }

  // True when the server closes the connection (end of stream or reset) within patience; what
  // it sent before that is dropped.
  bool closed_by_server(std::chrono::milliseconds patience = kPatience) {
    buffer_.clear();
    bool closed = false;
    bool done = false;
    std::array<char, 4096> scratch{};
    std::function<void()> next = [&] {
      socket_.async_read_some(boost::asio::buffer(scratch), [&](boost::system::error_code ec, std::size_t) {
        if (ec) {
          closed = ec != boost::asio::error::operation_aborted;
          done = true;
          return;
        }
        next();
      });
    };
    next();
    run(patience, done);
    return closed;
  }

  void close() {
    boost::system::error_code ignored;
    socket_.close(ignored);
  }

 private:
  // Runs the pending operation until it completes or patience passes; on a timeout the operation
  // is cancelled and run to its (aborted) end, so nothing refers to the caller's frame afterwards.
  void run(std::chrono::milliseconds patience, const bool& done) {
    io_.restart();
    const auto deadline = std::chrono::steady_clock::now() + patience;
    while (!done && std::chrono::steady_clock::now() < deadline) io_.run_one_until(deadline);
    if (!done) {
      boost::system::error_code ignored;
      socket_.cancel(ignored);
      io_.restart();
      io_.run();
    }
  }

  boost::asio::io_context io_;
  boost::asio::ip::tcp::socket socket_;
  boost::beast::flat_buffer buffer_;
};

}  // namespace radloop::portal::testing
