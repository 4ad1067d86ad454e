// Blocking MLLP client built on Asio's asynchronous operations run against a deadline; one
// template for plain TCP and TLS, chosen once at connect.
#include "reference/mllp/client.hpp"

#include <poll.h>

#include <array>
#include <boost/asio.hpp>
#include <optional>
#include <vector>

#include "reference/mllp/internal/stream.hpp"
#include "reference/tls/context.hpp"

namespace radloop::mllp {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using internal::kIsTls;
using internal::socket_of;

class Client::Impl {
 public:
  Impl() = default;
  virtual ~Impl() = default;
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;
  Impl(Impl&&) = delete;
  Impl& operator=(Impl&&) = delete;

  virtual Result<std::string> exchange(std::string_view payload) = 0;
  virtual Result<void> send_raw(std::string_view bytes) = 0;
  virtual Result<std::string> receive() = 0;
  [[nodiscard]] virtual bool peer_has_closed() = 0;
  [[nodiscard]] virtual bool has_unread_input() = 0;
};

namespace {

template <typename Stream>
class Connection final : public Client::Impl {
 public:
  // context: the TLS settings for a TLS stream; empty for plain TCP.
  Connection(ClientConfig config, std::optional<asio::ssl::context> context)
      : config_(std::move(config)),
        context_(std::move(context)),
        stream_(make_stream()),
        decoder_(config_.max_frame_bytes) {}

  Result<void> connect() {
    boost::system::error_code ec;
    const auto address = asio::ip::make_address(config_.host, ec);
    if (ec) return Error{Errc::invalid_config, "host", config_.host + ": " + ec.message()};
    // One deadline covers the TCP connect and the TLS handshake.
    const auto deadline = std::chrono::steady_clock::now() + config_.connect_timeout;
    boost::system::error_code result = asio::error::would_block;
    socket_of(stream_).async_connect(tcp::endpoint(address, config_.port),
                                     [&](boost::system::error_code e) { result = e; });
    if (!run_until_done(result, deadline)) {
      return Error{Errc::connect_failed, where(), "no answer within the connect timeout"};
    }
    if (result) return Error{Errc::connect_failed, where(), result.message()};
    internal::disable_nagle(socket_of(stream_));
    if constexpr (kIsTls<Stream>) return handshake(deadline);
    return {};
  }

  Result<std::string> exchange(std::string_view payload) override {
    // A reply already waiting was not asked for by this message (a second ACK for the last one,
    // say): pairing it with this message would credit the wrong message.
    if (has_unread_input()) {
      return Error{Errc::connection_closed, where(),
                   "a reply nobody asked for is waiting on the connection; read it or reconnect before sending"};
    }
    outgoing_.clear();
    append_frame(outgoing_, payload);
    // One deadline for the whole exchange: writing the message and reading its reply.
    const auto deadline = std::chrono::steady_clock::now() + config_.reply_timeout;
    if (auto sent = send_until(outgoing_, deadline); !sent) return sent.error();
    return receive_until(deadline);
  }

  Result<void> send_raw(std::string_view bytes) override {
    return send_until(bytes, std::chrono::steady_clock::now() + config_.reply_timeout);
  }

  Result<std::string> receive() override {
    return receive_until(std::chrono::steady_clock::now() + config_.reply_timeout);
  }

  [[nodiscard]] bool has_unread_input() override {
    if (next_ready_ < ready_.size() || decoder_.in_frame()) return true;
    // Under TLS, raw bytes on the socket may be protocol records (TLS 1.3 session tickets), not
    // a reply: only what the TLS layer has already decrypted counts there.
    if constexpr (kIsTls<Stream>) return SSL_pending(stream_.native_handle()) > 0;
    boost::system::error_code ec;
    return socket_of(stream_).available(ec) > 0 && !ec;
  }

  Result<void> send_until(std::string_view bytes, std::chrono::steady_clock::time_point deadline) {
    boost::system::error_code result = asio::error::would_block;
    asio::async_write(stream_, asio::buffer(bytes), [&](boost::system::error_code e, std::size_t) { result = e; });
    if (!run_until_done(result, deadline)) {
      return Error{Errc::reply_timeout, where(), "the peer did not take the bytes within the timeout"};
    }
    if (result) return Error{Errc::connection_closed, where(), result.message()};
    return {};
  }

  Result<std::string> receive_until(std::chrono::steady_clock::time_point deadline) {
    while (next_ready_ == ready_.size()) {
      ready_.clear();
      next_ready_ = 0;
      boost::system::error_code result = asio::error::would_block;
      std::size_t n = 0;
      stream_.async_read_some(asio::buffer(buffer_), [&](boost::system::error_code e, std::size_t got) {
        result = e;
        n = got;
      });
      if (!run_until_done(result, deadline)) {
        return Error{Errc::reply_timeout, where(), "no reply within the reply timeout"};
      }
      if (result && decoder_.in_frame()) {
        return Error{Errc::connection_closed, where(),
                     "the connection ended inside a reply frame: " + result.message()};
      }
      if (result) return Error{Errc::connection_closed, where(), result.message()};
      if (auto fed = decoder_.feed(std::string_view(buffer_.data(), n), ready_); !fed) {
        close();
        return fed.error();
      }
    }
    return std::move(ready_[next_ready_++]);
  }

  [[nodiscard]] bool peer_has_closed() override {
    auto& socket = socket_of(stream_);
    if (!socket.is_open()) return true;
    pollfd fd{socket.native_handle(), POLLRDHUP, 0};
    if (::poll(&fd, 1, 0) <= 0) return false;
    return (fd.revents & (POLLRDHUP | POLLHUP | POLLERR)) != 0;
  }

 private:
  Stream make_stream() {
    if constexpr (kIsTls<Stream>) {
      return Stream(io_, *context_);
    } else {
      return Stream(io_);
    }
  }

  Result<void> handshake(std::chrono::steady_clock::time_point deadline) {
    const auto& tls = *config_.tls;
    if (tls.verify_peer) {
      const auto& name = tls.server_name.empty() ? config_.host : tls.server_name;
      if (auto named = tls::expect_server_name(stream_.native_handle(), name); !named) return named.error();
    }
    boost::system::error_code result = asio::error::would_block;
    stream_.async_handshake(asio::ssl::stream_base::client, [&](boost::system::error_code e) { result = e; });
    if (!run_until_done(result, deadline)) {
      return Error{Errc::tls_handshake_failed, where(), "no handshake within the connect timeout"};
    }
    if (result) {
      auto detail = tls::describe_handshake_failure(result, stream_.native_handle());
      close();
      return Error{Errc::tls_handshake_failed, where(), std::move(detail)};
    }
    return {};
  }

  // Runs the io_context until the pending operation completes or the deadline passes; on
  // timeout the socket is closed, since its state is no longer known.
  bool run_until_done(const boost::system::error_code& result, std::chrono::steady_clock::time_point deadline) {
    io_.restart();
    io_.run_until(deadline);
    if (result != asio::error::would_block) return true;
    close();
    io_.restart();
    io_.run();  // let the cancelled operation complete
    return false;
  }

  void close() {
    boost::system::error_code ignored;
    socket_of(stream_).close(ignored);
  }

  [[nodiscard]] std::string where() const { return config_.host + ":" + std::to_string(config_.port); }

  ClientConfig config_;
  asio::io_context io_{1};  // one thread: Asio may skip locking
  std::optional<asio::ssl::context> context_;
  Stream stream_;
  FrameDecoder decoder_;
  std::array<char, 64 * 1024> buffer_{};
  std::string outgoing_;            // reused request buffer
  std::vector<std::string> ready_;  // replies decoded but not yet returned, oldest first
  std::size_t next_ready_ = 0;
};

template <typename Stream>
Result<std::unique_ptr<Client::Impl>> open(const ClientConfig& config, std::optional<asio::ssl::context> context) {
  auto connection = std::make_unique<Connection<Stream>>(config, std::move(context));
  if (auto connected = connection->connect(); !connected) return connected.error();
  return std::unique_ptr<Client::Impl>(std::move(connection));
}

}  // namespace

Result<std::unique_ptr<Client>> Client::connect(const ClientConfig& config) {
  auto impl = [&]() -> Result<std::unique_ptr<Impl>> {
    if (!config.tls) return open<internal::PlainStream>(config, std::nullopt);
    auto context = tls::make_client_context(*config.tls);
    if (!context) return context.error();
    return open<internal::TlsStream>(config, std::move(context).value());
  }();
  if (!impl) return impl.error();
  return std::unique_ptr<Client>(new Client(std::move(impl).value()));
}

Client::Client(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Client::~Client() = default;

Result<std::string> Client::exchange(std::string_view payload) { return impl_->exchange(payload); }
Result<void> Client::send_raw(std::string_view bytes) { return impl_->send_raw(bytes); }
Result<std::string> Client::receive() { return impl_->receive(); }
bool Client::peer_has_closed() const { return impl_->peer_has_closed(); }
bool Client::has_unread_input() const { return impl_->has_unread_input(); }

Result<void> check_client_tls(const ClientTls& tls) {
  auto context = tls::make_client_context(tls);
  if (!context) return context.error();
  return {};
}

}  // namespace radloop::mllp
