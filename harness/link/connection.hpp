// One proxied connection: the client's socket, the socket to the upstream server, and a chain of
// faults each way between them. Lives on the proxy's io thread; the proxy drives it from there.
#pragma once

#include <array>
#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "harness/link/chain.hpp"
#include "harness/link/fault.hpp"

namespace radloop::harness::link {

// What the proxy counts; written on the io thread, read from any.
struct Counters {
  std::atomic<std::uint64_t> connections_accepted{0};
  std::atomic<std::uint64_t> connections_open{0};
  std::atomic<std::uint64_t> connections_refused_while_down{0};
  std::atomic<std::uint64_t> upstream_connect_failures{0};
  std::atomic<std::uint64_t> closed_by_faults{0};
  std::atomic<std::uint64_t> reset_by_faults{0};
  std::atomic<std::uint64_t> reset_by_down{0};
  // Indexed by Direction: bytes read from the sending side, and bytes written to the far side.
  std::array<std::atomic<std::uint64_t>, 2> bytes_in{};
  std::array<std::atomic<std::uint64_t>, 2> bytes_out{};
};

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  using tcp = boost::asio::ip::tcp;
  using OnClosed = std::function<void(const Connection*)>;

  // How a connection ended, for the counters and for whether the sides get a RST.
  enum class Ending { finished, cut_by_fault, reset_by_fault, reset_by_down, upstream_unreachable, failed, stopped };

  Connection(tcp::socket client, Counters& counters, OnClosed on_closed);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  void add_fault(const std::string& name, Direction direction, const Fault& fault);
  void remove_fault(const std::string& name, Direction direction);
  // Connects upstream, then pumps both ways; the client is closed if the server cannot be reached.
  void start(const std::vector<tcp::endpoint>& upstream, std::chrono::milliseconds connect_timeout);
  // Ends the connection now (bytes in flight are lost): reset_by_down resets both sides.
  void end(Ending ending);

 private:
  // One direction: read from one socket, through the chain, written to the other.
  struct Flow {
    Flow(Direction d, tcp::socket& source, tcp::socket& sink, std::function<void(Chunk)> outlet);
    Direction direction;
    tcp::socket& from;
    tcp::socket& to;
    Chain chain;
    std::deque<Chunk> outbox;  // what the chain let through, written one chunk per write
    std::size_t outbox_bytes = 0;
    bool writing = false;
    bool read_paused = false;
    bool ended = false;  // the far side was shut down for sending
    std::array<char, 16 * 1024> buffer{};
  };

  Flow& flow(Direction direction) { return direction == Direction::upstream ? upstream_ : downstream_; }
  void read(Flow& f);
  void to_outbox(Flow& f, Chunk chunk);
  void write_next(Flow& f);
  void maybe_resume_reading(Flow& f);

  tcp::socket client_;
  tcp::socket server_;
  boost::asio::steady_timer connect_timer_;
  Counters& counters_;
  OnClosed on_closed_;
  Flow upstream_;
  Flow downstream_;
  bool closed_ = false;
};

}  // namespace radloop::harness::link
