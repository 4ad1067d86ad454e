// Connection (see the header): the pumps, the outboxes, and every way a connection ends.
#include "harness/link/connection.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <utility>

namespace radloop::harness::link {

namespace asio = boost::asio;

namespace {

// Reading from a side pauses while this much waits to be written to the other, so a slow or
// stalled far side pushes back on the sender instead of filling the proxy's memory.
constexpr std::size_t kOutboxLimit = std::size_t{1} << 20;

std::size_t index(Direction direction) { return direction == Direction::upstream ? 0 : 1; }

}  // namespace

Connection::Flow::Flow(Direction d, tcp::socket& source, tcp::socket& sink, std::function<void(Chunk)> outlet)
    : direction(d), from(source), to(sink), chain(source.get_executor(), std::move(outlet)) {}

Connection::Connection(tcp::socket client, Counters& counters, OnClosed on_closed)
    : client_(std::move(client)),
      server_(client_.get_executor()),
      connect_timer_(client_.get_executor()),
      counters_(counters),
      on_closed_(std::move(on_closed)),
      upstream_(Direction::upstream, client_, server_, [this](Chunk chunk) { to_outbox(upstream_, std::move(chunk)); }),
      downstream_(Direction::downstream, server_, client_,
                  [this](Chunk chunk) { to_outbox(downstream_, std::move(chunk)); }) {
  counters_.connections_open.fetch_add(1);
}

Connection::~Connection() = default;

void Connection::add_fault(const std::string& name, Direction direction, const Fault& fault) {
  flow(direction).chain.append(name, fault);
}

void Connection::remove_fault(const std::string& name, Direction direction) { flow(direction).chain.remove(name); }

void Connection::start(const std::vector<tcp::endpoint>& upstream, std::chrono::milliseconds connect_timeout) {
  auto self = shared_from_this();
  connect_timer_.expires_after(connect_timeout);
  connect_timer_.async_wait([self](const boost::system::error_code& ec) {
    if (ec || self->closed_) return;
    boost::system::error_code ignored;
    self->server_.cancel(ignored);  // the connect completes with operation_aborted and ends it
  });
  asio::async_connect(server_, upstream, [self](const boost::system::error_code& ec, const tcp::endpoint&) {
    if (self->closed_) return;
    self->connect_timer_.cancel();
    if (ec) {
      self->end(Ending::upstream_unreachable);
      return;
    }
    // Every write the chain asks for goes out as its own segment: slice depends on it.
    boost::system::error_code ignored;
    self->client_.set_option(tcp::no_delay(true), ignored);
    self->server_.set_option(tcp::no_delay(true), ignored);
    self->read(self->upstream_);
    self->read(self->downstream_);
  });
}

void Connection::read(Flow& f) {
  f.from.async_read_some(asio::buffer(f.buffer),
                         [self = shared_from_this(), &f](const boost::system::error_code& ec, std::size_t n) {
                           if (self->closed_) return;
                           Chunk chunk;
                           chunk.arrived = Clock::now();
                           if (ec) {
                             // Closed or reset by the sender alike: the far side hears the end once what came before is
                             // out.
                             chunk.kind = Chunk::Kind::end;
                             f.chain.push(std::move(chunk));
                             return;
                           }
                           self->counters_.bytes_in.at(index(f.direction)).fetch_add(n);
                           chunk.bytes.assign(f.buffer.data(), n);
                           f.chain.push(std::move(chunk));
                           if (self->closed_) return;
                           if (f.outbox_bytes >= kOutboxLimit) {
                             f.read_paused = true;
                           } else {
                             self->read(f);
                           }
                         });
}

void Connection::to_outbox(Flow& f, Chunk chunk) {
  if (closed_) return;
  f.outbox_bytes += chunk.bytes.size();
  f.outbox.push_back(std::move(chunk));
  if (f.writing) return;
  f.writing = true;
  // Posted, never run inside the chain's call: an ending must not tear down a stage that is
  // still on the stack passing bytes.
  asio::post(client_.get_executor(), [self = shared_from_this(), &f] { self->write_next(f); });
}

void Connection::write_next(Flow& f) {
  if (closed_) return;
  if (f.outbox.empty()) {
    f.writing = false;
    maybe_resume_reading(f);
    return;
  }
  auto& front = f.outbox.front();
  switch (front.kind) {
    case Chunk::Kind::data:
      asio::async_write(f.to, asio::buffer(front.bytes),
                        [self = shared_from_this(), &f](const boost::system::error_code& ec, std::size_t n) {
                          if (self->closed_) return;
                          if (ec) {
                            self->end(Ending::failed);
                            return;
                          }
                          self->counters_.bytes_out.at(index(f.direction)).fetch_add(n);
                          f.outbox_bytes -= f.outbox.front().bytes.size();
                          f.outbox.pop_front();
                          self->maybe_resume_reading(f);
                          self->write_next(f);
                        });
      return;
    case Chunk::Kind::end: {
      f.outbox.pop_front();
      f.ended = true;
      f.writing = false;
      boost::system::error_code ignored;
      f.to.shutdown(tcp::socket::shutdown_send, ignored);
      if (upstream_.ended && downstream_.ended) end(Ending::finished);
      return;
    }
    case Chunk::Kind::cut: end(Ending::cut_by_fault); return;
    case Chunk::Kind::reset: end(Ending::reset_by_fault); return;
  }
}

void Connection::maybe_resume_reading(Flow& f) {
  if (!f.read_paused || f.outbox_bytes >= kOutboxLimit / 2) return;
  f.read_paused = false;
  read(f);
}

void Connection::end(Ending ending) {
  if (closed_) return;
  closed_ = true;
  auto self = shared_from_this();  // on_closed_ drops the proxy's reference; finish first
  connect_timer_.cancel();
  upstream_.chain.cancel();
  downstream_.chain.cancel();

  // Counted before the sockets close, so whoever sees the close also sees it counted.
  switch (ending) {
    case Ending::cut_by_fault: counters_.closed_by_faults.fetch_add(1); break;
    case Ending::reset_by_fault: counters_.reset_by_faults.fetch_add(1); break;
    case Ending::reset_by_down: counters_.reset_by_down.fetch_add(1); break;
    case Ending::upstream_unreachable: counters_.upstream_connect_failures.fetch_add(1); break;
    case Ending::finished:
    case Ending::failed:
    case Ending::stopped: break;
  }
  counters_.connections_open.fetch_sub(1);
  const bool reset = ending == Ending::reset_by_fault || ending == Ending::reset_by_down;
  boost::system::error_code ignored;
  for (auto* socket : {&client_, &server_}) {
    if (!socket->is_open()) continue;
    // SO_LINGER with a zero timeout makes close() send RST instead of FIN.
    if (reset) socket->set_option(asio::socket_base::linger(true, 0), ignored);
    socket->close(ignored);
  }
  // Only now: a write in flight points into its chunk until the close has cancelled it.
  upstream_.outbox.clear();
  downstream_.outbox.clear();

  if (on_closed_) on_closed_(this);
}

}  // namespace radloop::harness::link
