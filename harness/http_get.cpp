// http_get over Boost.Beast (see the header).
#include "harness/http_get.hpp"

#include <fmt/format.h>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace radloop::harness {

namespace beast = boost::beast;
namespace http = beast::http;
using tcp = boost::asio::ip::tcp;

std::string url_encode(const std::string& value) {
  std::string out;
  for (const unsigned char c : value) {
    if (std::isalnum(c) != 0 || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

Result<HttpReply> http_get(const std::string& url, const std::string& bearer_token, std::chrono::milliseconds timeout) {
  constexpr std::string_view scheme = "http://";
  if (url.rfind(scheme, 0) != 0) return Error{Errc::invalid_input, url, "only http:// URLs are supported"};
  const auto rest = url.substr(scheme.size());
  const auto slash = rest.find('/');
  const auto authority = rest.substr(0, slash);
  const auto target = slash == std::string::npos ? std::string("/") : rest.substr(slash);
  const auto colon = authority.rfind(':');
  const auto host = colon == std::string::npos ? authority : authority.substr(0, colon);
  const auto port = colon == std::string::npos ? std::string("80") : authority.substr(colon + 1);
  try {
    boost::asio::io_context io;
    beast::tcp_stream stream(io);
    stream.expires_after(timeout);
    tcp::resolver resolver(io);
    stream.connect(resolver.resolve(host, port));
    http::request<http::empty_body> request{http::verb::get, target, 11};
    request.set(http::field::host, host);
    request.set(http::field::accept, "application/json");
    if (!bearer_token.empty()) request.set(http::field::authorization, "Bearer " + bearer_token);
    http::write(stream, request);
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(64 * 1024 * 1024);
    http::read(stream, buffer, parser);
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    return HttpReply{parser.get().result_int(), parser.get().body()};
  } catch (const boost::system::system_error& e) {
    const auto code = e.code() == beast::error::timeout ? Errc::reply_timeout : Errc::connect_failed;
    return Error{code, "GET " + url, e.code().message()};
  }
}

}  // namespace radloop::harness
