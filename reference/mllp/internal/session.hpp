// One server connection, plain or TLS: handshake -> read -> decode -> handle -> write, and the
// drain that stop() asks for. Everything here runs on the connection's strand.
//
//   handshake (TLS) --> reading --bytes--> decoder --frames--> pending --> handler --> writing
//                          ^                                                              |
//                          +---------------- pending empty, not draining <----------------+
#pragma once

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <array>
#include <atomic>
#include <boost/asio.hpp>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "reference/mllp/internal/stream.hpp"
#include "reference/mllp/server.hpp"
#include "reference/tls/context.hpp"

namespace radloop::mllp::internal {

struct ServerCounters {
  std::atomic<std::uint64_t> connections_accepted{0};
  std::atomic<std::uint64_t> messages_received{0};
  std::atomic<std::uint64_t> replies_sent{0};
  std::atomic<std::uint64_t> bytes_discarded{0};
  std::atomic<std::uint64_t> connections_dropped{0};
  std::atomic<std::uint64_t> connections_refused{0};
  std::atomic<std::uint64_t> tls_handshakes_failed{0};
  std::atomic<std::uint64_t> drained_replies{0};
  std::atomic<std::uint64_t> idle_connections_closed_at_stop{0};
  std::atomic<std::uint64_t> connections_cut_at_drain_timeout{0};
};

// What every connection of one server shares. The live count lets stop() wait until the last
// connection has finished its work (a session ends when its last pending operation completes).
struct ServerState {
  ServerState(ServerConfig c, MessageHandler h) : config(std::move(c)), handler(std::move(h)) {}

  ServerConfig config;
  MessageHandler handler;
  ServerCounters counters;
  std::mutex mutex;
  std::condition_variable changed;
  std::size_t live_sessions = 0;                       // guarded by mutex
  std::unordered_map<std::string, unsigned> per_peer;  // live sessions by peer address, guarded by mutex
  std::atomic<std::size_t> buffered_bytes{0};          // unfinished frames, every connection together

  void session_started(const std::string& address) {
    std::lock_guard lock(mutex);
    ++live_sessions;
    ++per_peer[address];
  }
  void session_ended(const std::string& address) {
    {
      std::lock_guard lock(mutex);
      --live_sessions;
      if (const auto it = per_peer.find(address); it != per_peer.end() && --it->second == 0) per_peer.erase(it);
    }
    changed.notify_all();
  }
};

// What stop() asks of a connection; both post onto its strand and return at once.
class SessionControl {
 public:
  virtual ~SessionControl() = default;
  virtual void drain() = 0;      // finish what was received, then close
  virtual void close_now() = 0;  // the drain timeout passed
};

template <typename Stream>
class Session final : public SessionControl, public std::enable_shared_from_this<Session<Stream>> {
 public:
  // extra: the ssl::context for a TLS stream, nothing for plain TCP.
  template <typename... Extra>
  Session(ServerState& server, PlainStream socket, Extra&... extra)
      : stream_(std::move(socket), extra...),
        timer_(stream_.get_executor()),
        server_(server),
        decoder_(server.config.max_frame_bytes) {
    disable_nagle(socket_of(stream_));
    message_.peer = endpoint_text(socket_of(stream_));
    boost::system::error_code ec;
    address_ = socket_of(stream_).remote_endpoint(ec).address().to_string();
    server_.session_started(address_);
  }
  ~Session() override {
    server_.buffered_bytes -= buffered_;
    server_.session_ended(address_);
  }
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;
  Session(Session&&) = delete;
  Session& operator=(Session&&) = delete;

  void start() {
    boost::asio::dispatch(stream_.get_executor(), [self = this->shared_from_this()] {
      self->watch_idle();
      if constexpr (kIsTls<Stream>) {
        self->handshake();
      } else {
        self->read();
      }
    });
  }

  void drain() override {
    boost::asio::post(stream_.get_executor(), [self = this->shared_from_this()] { self->begin_drain(); });
  }

  void close_now() override {
    boost::asio::post(stream_.get_executor(), [self = this->shared_from_this()] {
      if (self->closed_) return;
      ++self->server_.counters.connections_cut_at_drain_timeout;
      spdlog::warn("mllp: cutting {}: still busy when the drain timeout passed", self->message_.peer);
      self->close();
    });
  }

 private:
  enum class Phase { handshaking, reading, writing };
  using Clock = std::chrono::steady_clock;

  // When the connection must be closed unless something happens first: a message begun must end
  // within the message timeout of its first byte; otherwise a whole message (or the reply taken)
  // is due within the idle timeout of the last one.
  [[nodiscard]] Clock::time_point deadline() const {
    const auto& config = server_.config;
    if (phase_ == Phase::reading && decoder_.in_frame()) return frame_started_ + config.message_timeout;
    return last_activity_ + config.idle_timeout;
  }

  // The timer is armed once and re-armed only when it fires, against the deadline then: cheaper
  // than cancelling and re-arming a timer for every message. A frame that begins re-arms it
  // when its deadline comes sooner.
  void watch_idle() {
    timer_.expires_at(deadline());
    timer_.async_wait([self = this->shared_from_this()](boost::system::error_code ec) {
      if (ec || self->closed_) return;
      if (Clock::now() < self->deadline()) {
        self->watch_idle();
        return;
      }
      spdlog::warn("mllp: closing {}: {}", self->message_.peer, self->why_late());
      self->close();
      ++self->server_.counters.connections_dropped;  // after the close: a watcher of the count sees it done
    });
  }

  [[nodiscard]] std::string why_late() const {
    const auto idle = server_.config.idle_timeout.count();
    switch (phase_) {
      case Phase::handshaking: return fmt::format("no TLS handshake for more than {} ms", idle);
      case Phase::writing: return fmt::format("the reply not taken for more than {} ms", idle);
      case Phase::reading: break;
    }
    if (decoder_.in_frame()) {
      return fmt::format("a message begun was not whole within {} ms ({} bytes so far)",
                         server_.config.message_timeout.count(), decoder_.buffered_bytes());
    }
    return fmt::format("no whole message for more than {} ms", idle);
  }

  void handshake() {
    if constexpr (kIsTls<Stream>) {
      phase_ = Phase::handshaking;
      stream_.async_handshake(boost::asio::ssl::stream_base::server,
                              [self = this->shared_from_this()](boost::system::error_code ec) {
                                if (self->closed_) return;
                                if (ec) {
                                  ++self->server_.counters.tls_handshakes_failed;
                                  spdlog::warn("mllp: closing {}: TLS handshake failed: {}", self->message_.peer,
                                               tls::describe_handshake_failure(ec, self->stream_.native_handle()));
                                  self->close();
                                  return;
                                }
                                self->last_activity_ = Clock::now();
                                if (self->draining_) {
                                  ++self->server_.counters.idle_connections_closed_at_stop;
                                  self->close();
                                  return;
                                }
                                self->read();
                              });
    }
  }

  void read() {
    phase_ = Phase::reading;
    stream_.async_read_some(boost::asio::buffer(buffer_),
                            [self = this->shared_from_this()](boost::system::error_code ec, std::size_t n) {
                              if (self->closed_) return;
                              if (ec == boost::asio::error::operation_aborted && self->draining_) {
                                // begin_drain cancelled the read; bytes may have come in meanwhile
                                if (self->has_bytes_in_flight()) {
                                  self->read();
                                  return;
                                }
                                ++self->server_.counters.idle_connections_closed_at_stop;
                                self->close();
                                return;
                              }
                              if (ec) {
                                self->on_read_failed(ec);
                                return;
                              }
                              self->on_bytes(std::string_view(self->buffer_.data(), n));
                            });
  }

  void on_read_failed(const boost::system::error_code& ec) {
    // A frame that ended in <FS> without <CR> was already handed on; only a frame with no end
    // block at all is lost, and the peer, having no reply, knows it was not accepted.
    if (decoder_.in_frame()) {
      spdlog::warn("mllp: {} closed the connection inside a frame ({}); the partial message was dropped", message_.peer,
                   ec.message());
    }
    close();
  }

  void on_bytes(std::string_view bytes) {
    const auto discarded_before = decoder_.discarded_bytes();
    const bool was_in_frame = decoder_.in_frame();
    auto fed = decoder_.feed(bytes, pending_);
    if (fed && server_.config.one_read_one_message && decoder_.in_frame()) {
      pending_.push_back(decoder_.take_partial_frame());
    }
    // Only whole messages are activity; a frame that begins starts its own clock.
    const auto now = Clock::now();
    if (!pending_.empty()) last_activity_ = now;
    if (decoder_.in_frame() && (!was_in_frame || !pending_.empty())) {
      frame_started_ = now;
      if (deadline() < timer_.expiry()) watch_idle();
    }
    if (fed && !account_buffered()) {
      fed = Error{Errc::mllp_frame_too_large, message_.peer,
                  fmt::format("unfinished frames on every connection together passed {} bytes (max_buffered_bytes)",
                              server_.config.max_buffered_bytes)};
    }
    if (const auto discarded = decoder_.discarded_bytes() - discarded_before; discarded > 0) {
      server_.counters.bytes_discarded += discarded;
      // Once per connection: a peer that ends every frame with <CR><LF> would otherwise log a
      // warning per message.
      if (!warned_discarded_) {
        spdlog::warn("mllp: {} sent {} byte(s) outside any frame; discarded (counted from now on)", message_.peer,
                     discarded);
        warned_discarded_ = true;
      }
    }
    server_.counters.messages_received += pending_.size();
    if (!fed) {
      // The frames decoded before the bad one were received whole: they are still answered.
      spdlog::error("mllp: closing {}: {}", message_.peer, fed.error().message());
      ++server_.counters.connections_dropped;
      close_when_done_ = true;
    }
    next_message();
  }

  // Handles the received messages one by one, then reads again; when draining, closes at the
  // first quiet moment instead.
  void next_message() {
    if (next_pending_ == pending_.size()) {
      pending_.clear();
      next_pending_ = 0;
      if (close_when_done_) {
        linger_then_close();
      } else if (draining_ && !has_bytes_in_flight()) {
        close();
      } else {
        read();
      }
      return;
    }
    message_.payload = std::move(pending_[next_pending_++]);
    std::string reply;
    try {
      reply = server_.handler(message_);
    } catch (const CloseWithoutReply& e) {
      spdlog::debug("mllp: no reply to a message from {} ({}); closing", message_.peer, e.what());
      close();
      return;
    } catch (const std::exception& e) {
      spdlog::error("mllp: handler failed for a message from {}: {}; closing without a reply", message_.peer, e.what());
      close();
      return;
    } catch (...) {
      spdlog::error("mllp: handler failed for a message from {}; closing without a reply", message_.peer);
      close();
      return;
    }
    outgoing_.clear();
    append_frame(outgoing_, reply);
    phase_ = Phase::writing;
    last_activity_ = Clock::now();
    boost::asio::async_write(stream_, boost::asio::buffer(outgoing_),
                             [self = this->shared_from_this()](boost::system::error_code ec, std::size_t) {
                               if (self->closed_) return;
                               if (ec) {
                                 spdlog::warn("mllp: could not reply to {}: {}", self->message_.peer, ec.message());
                                 self->close();
                                 return;
                               }
                               self->last_activity_ = Clock::now();
                               ++self->server_.counters.replies_sent;
                               if (self->draining_) ++self->server_.counters.drained_replies;
                               self->next_message();
                             });
  }

  // A draining connection keeps going while anything is in flight and closes at its first quiet
  // moment: no handler running, no reply being written, no decoded frame left, no partial frame
  // and no unread bytes. So a frame that reached this host before stop() is answered, not lost.
  void begin_drain() {
    if (closed_ || draining_) return;
    draining_ = true;
    switch (phase_) {
      case Phase::handshaking:
        ++server_.counters.idle_connections_closed_at_stop;
        close();
        break;
      case Phase::reading:
        // Cancel rather than close: if the read has already taken bytes, its completion still
        // delivers them and they are answered; otherwise it completes aborted and closes.
        if (!has_bytes_in_flight()) {
          boost::system::error_code ignored;
          socket_of(stream_).cancel(ignored);
        }
        break;
      case Phase::writing: break;  // next_message decides once the reply is out
    }
  }

  [[nodiscard]] bool has_bytes_in_flight() {
    if (decoder_.in_frame()) return true;
    boost::system::error_code ec;
    if (socket_of(stream_).available(ec) > 0 && !ec) return true;
    if constexpr (kIsTls<Stream>) return SSL_has_pending(stream_.native_handle()) == 1;
    return false;
  }

  // Closing a socket with unread input makes the kernel reset the connection, which can throw
  // away replies still queued for the peer. So: stop sending (FIN after the replies), read and
  // drop what the peer still sends, and close at its end of stream or after a second.
  void linger_then_close() {
    boost::system::error_code ignored;
    socket_of(stream_).shutdown(boost::asio::ip::tcp::socket::shutdown_send, ignored);
    timer_.expires_after(std::chrono::seconds(1));
    timer_.async_wait([self = this->shared_from_this()](boost::system::error_code ec) {
      if (!ec && !self->closed_) self->close();
    });
    discard_until_closed();
  }

  void discard_until_closed() {
    socket_of(stream_).async_read_some(boost::asio::buffer(buffer_),
                                       [self = this->shared_from_this()](boost::system::error_code ec, std::size_t) {
                                         if (self->closed_) return;
                                         if (ec) {
                                           self->close();
                                           return;
                                         }
                                         self->discard_until_closed();
                                       });
  }

  // Brings the server-wide count of unfinished-frame bytes up to date with this connection's;
  // false when that passes the budget.
  bool account_buffered() {
    const auto now_held = decoder_.buffered_bytes();
    const bool grew = now_held > buffered_;
    const auto total = (server_.buffered_bytes += now_held - buffered_);  // unsigned: wraps back when it shrinks
    buffered_ = now_held;
    return !grew || total <= server_.config.max_buffered_bytes;
  }

  void close() {
    closed_ = true;
    boost::system::error_code ignored;
    timer_.cancel();
    socket_of(stream_).close(ignored);
  }

  Stream stream_;
  boost::asio::steady_timer timer_;
  bool warned_discarded_ = false;
  ServerState& server_;
  FrameDecoder decoder_;
  std::array<char, 64 * 1024> buffer_{};
  std::vector<std::string> pending_;  // decoded frames not yet handled, oldest first
  std::size_t next_pending_ = 0;
  InboundMessage message_;  // reused: the peer is set once, the payload moved in per message
  std::string outgoing_;    // reused reply buffer
  Clock::time_point last_activity_ = Clock::now();
  Clock::time_point frame_started_ = Clock::now();
  std::string address_;       // the peer's address, for the per-peer connection count
  std::size_t buffered_ = 0;  // this connection's share of server_.buffered_bytes
  Phase phase_ = Phase::reading;
  bool closed_ = false;
  bool draining_ = false;
  bool close_when_done_ = false;  // the decoder failed: answer what came before, then close
};

}  // namespace radloop::mllp::internal
