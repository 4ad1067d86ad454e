// Blocking MLLP client built on Asio's asynchronous operations run against a deadline.
#include "reference/mllp/client.hpp"

#include <array>
#include <boost/asio.hpp>
#include <vector>

namespace radloop::mllp {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

class Client::Impl {
 public:
  explicit Impl(ClientConfig config) : config_(std::move(config)), socket_(io_), decoder_(config_.max_frame_bytes) {}

  Result<void> connect() {
    boost::system::error_code ec;
    const auto address = asio::ip::make_address(config_.host, ec);
    if (ec) return Error{Errc::invalid_config, "host", config_.host + ": " + ec.message()};
    const tcp::endpoint endpoint(address, config_.port);
    boost::system::error_code result = asio::error::would_block;
    socket_.async_connect(endpoint, [&](boost::system::error_code e) { result = e; });
    if (!run_until_done(result, config_.connect_timeout)) {
      return Error{Errc::connect_failed, where(), "no answer within the connect timeout"};
    }
    if (result) return Error{Errc::connect_failed, where(), result.message()};
    return {};
  }

  Result<void> send_raw(std::string_view bytes) {
    boost::system::error_code result = asio::error::would_block;
    asio::async_write(socket_, asio::buffer(bytes), [&](boost::system::error_code e, std::size_t) { result = e; });
    if (!run_until_done(result, config_.reply_timeout)) {
      return Error{Errc::reply_timeout, where(), "the peer did not take the bytes within the timeout"};
    }
    if (result) return Error{Errc::connection_closed, where(), result.message()};
    return {};
  }

  Result<std::string> receive() {
    while (ready_.empty()) {
      boost::system::error_code result = asio::error::would_block;
      std::size_t n = 0;
      socket_.async_read_some(asio::buffer(buffer_), [&](boost::system::error_code e, std::size_t got) {
        result = e;
        n = got;
      });
      if (!run_until_done(result, config_.reply_timeout)) {
        return Error{Errc::reply_timeout, where(), "no reply within the reply timeout"};
      }
      if (result == asio::error::eof && decoder_.in_frame()) {
        return Error{Errc::connection_closed, where(), "the peer closed the connection inside a reply frame"};
      }
      if (result) return Error{Errc::connection_closed, where(), result.message()};
      if (auto fed = decoder_.feed(std::string_view(buffer_.data(), n), ready_); !fed) return fed.error();
    }
    auto reply = std::move(ready_.front());
    ready_.erase(ready_.begin());
    return reply;
  }

 private:
  // Runs the io_context until the pending operation completes or the deadline passes; on
  // timeout the socket is closed, since its state is no longer known.
  bool run_until_done(const boost::system::error_code& result, std::chrono::milliseconds timeout) {
    io_.restart();
    io_.run_for(timeout);
    if (result != asio::error::would_block) return true;
    boost::system::error_code ignored;
    socket_.close(ignored);
    io_.restart();
    io_.run();  // let the cancelled operation complete
    return false;
  }

  [[nodiscard]] std::string where() const { return config_.host + ":" + std::to_string(config_.port); }

  ClientConfig config_;
  asio::io_context io_;
  tcp::socket socket_;
  FrameDecoder decoder_;
  std::array<char, 64 * 1024> buffer_{};
  std::vector<std::string> ready_;
};

Result<std::unique_ptr<Client>> Client::connect(const ClientConfig& config) {
  auto impl = std::make_unique<Impl>(config);
  if (auto connected = impl->connect(); !connected) return connected.error();
  return std::unique_ptr<Client>(new Client(std::move(impl)));
}

Client::Client(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Client::~Client() = default;

Result<std::string> Client::exchange(std::string_view payload) {
  if (auto sent = impl_->send_raw(frame(payload)); !sent) return sent.error();
  return impl_->receive();
}
Result<void> Client::send_raw(std::string_view bytes) { return impl_->send_raw(bytes); }
Result<std::string> Client::receive() { return impl_->receive(); }

}  // namespace radloop::mllp
