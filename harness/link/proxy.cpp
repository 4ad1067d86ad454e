// Proxy: the listener, the io thread, and control calls carried onto that thread, so that every
// connection and every fault stage is only ever touched from one thread.
#include "harness/link/proxy.hpp"

#include <fmt/format.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <future>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include "harness/link/connection.hpp"
#include "harness/link/registry.hpp"

namespace radloop::harness::link {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

using namespace std::chrono_literals;

constexpr auto kConnectTimeout = 5s;
// stop() waits this long for the io thread to finish on its own before it stops it outright.
constexpr auto kStopGrace = 2s;
constexpr int kBindAttempts = 5;
constexpr auto kAcceptRetry = 50ms;

}  // namespace

class Proxy::Impl {
 public:
  explicit Impl(std::string name) : name_(std::move(name)), acceptor_(io_), work_(asio::make_work_guard(io_)) {}

  ~Impl() { stop(); }
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;

  Result<void> open(const std::string& upstream_host, std::uint16_t upstream_port, std::uint16_t listen_port) {
    if (auto resolved = resolve_upstream(upstream_host, upstream_port); !resolved) return resolved.error();
    if (auto bound = bind(listen_port); !bound) return bound.error();
    accepting_ = true;
    accept(generation_);
    auto ran_out = std::make_shared<std::promise<void>>();
    ran_out_ = ran_out->get_future();
    thread_ = std::thread([this, ran_out] {
      // Nothing may escape the io thread; a completion that throws is dropped and the proxy runs on.
      while (true) {
        try {
          io_.run();
          break;
        } catch (...) {  // NOLINT(bugprone-empty-catch): keep the thread alive, see above
        }
      }
      ran_out->set_value();
    });
    return {};
  }

  [[nodiscard]] const std::string& name() const { return name_; }
  [[nodiscard]] std::uint16_t port() const { return port_; }

  Result<void> add(FaultSpec spec) {
    if (spec.name.empty()) spec.name = spec.type;
    auto fault = resolve(spec);
    if (!fault) return fault.error();
    return on_io([this, &spec, &fault]() -> Result<void> {
      std::lock_guard lock(faults_mutex_);
      for (const auto& installed : faults_) {
        if (installed.spec.name != spec.name) continue;
        return Error{Errc::invalid_config, fmt::format("fault {}", spec.name),
                     fmt::format("proxy {} already has a fault named \"{}\"; remove it first or give this one "
                                 "another name",
                                 name_, spec.name)};
      }
      for (const auto& [key, connection] : connections_) {
        connection->add_fault(spec.name, spec.direction, *fault.value());
      }
      faults_.push_back(Installed{spec, fault.value()});
      return {};
    });
  }

  Result<void> remove(std::string_view name) {
    return on_io([this, name]() -> Result<void> {
      std::optional<Installed> removed;
      {
        std::lock_guard lock(faults_mutex_);
        const auto found = std::find_if(faults_.begin(), faults_.end(),
                                        [&](const Installed& installed) { return installed.spec.name == name; });
        if (found == faults_.end()) {
          return Error{Errc::not_found, where(), fmt::format("there is no fault named \"{}\" to remove", name)};
        }
        removed = *found;
        faults_.erase(found);
      }
      remove_everywhere(removed->spec);
      return {};
    });
  }

  Result<void> clear() {
    return on_io([this]() -> Result<void> {
      std::vector<Installed> all;
      {
        std::lock_guard lock(faults_mutex_);
        all.swap(faults_);
      }
      for (const auto& installed : all) remove_everywhere(installed.spec);
      return {};
    });
  }

  [[nodiscard]] std::vector<FaultSpec> faults() const {
    std::lock_guard lock(faults_mutex_);
    std::vector<FaultSpec> specs;
    for (const auto& installed : faults_) specs.push_back(installed.spec);
    return specs;
  }

  Result<void> set_down(bool down) {
    return on_io([this, down]() -> Result<void> {
      if (down == down_) return {};
      if (down) {
        ++generation_;
        boost::system::error_code ignored;
        acceptor_.cancel(ignored);
        // Stops listening but keeps the port bound: connects are refused (RST), and nobody else
        // can take the port meanwhile. Connections queued but not yet accepted are reset too.
        if (::shutdown(acceptor_.native_handle(), SHUT_RD) != 0) {
          return Error{Errc::internal, where(), "could not stop listening to simulate the receiver being down"};
        }
        down_ = true;
        for (const auto& connection : open_connections()) connection->end(Connection::Ending::reset_by_down);
        return {};
      }
      boost::system::error_code ec;
      acceptor_.listen(asio::socket_base::max_listen_connections, ec);
      if (ec) return Error{Errc::bind_failed, where(), fmt::format("could not listen again: {}", ec.message())};
      down_ = false;
      ++generation_;
      accept(generation_);
      return {};
    });
  }

  [[nodiscard]] bool down() const { return down_; }

  [[nodiscard]] ProxyStats stats() const {
    ProxyStats s;
    s.connections_accepted = counters_.connections_accepted;
    s.connections_open = counters_.connections_open;
    s.connections_refused_while_down = counters_.connections_refused_while_down;
    s.upstream_connect_failures = counters_.upstream_connect_failures;
    s.connections_closed_by_faults = counters_.closed_by_faults;
    s.connections_reset_by_faults = counters_.reset_by_faults;
    s.connections_reset_by_down = counters_.reset_by_down;
    s.upstream.bytes_received = counters_.bytes_in[0];
    s.upstream.bytes_delivered = counters_.bytes_out[0];
    s.downstream.bytes_received = counters_.bytes_in[1];
    s.downstream.bytes_delivered = counters_.bytes_out[1];
    return s;
  }

  void stop() {
    std::lock_guard lock(control_mutex_);
    if (stopped_) return;
    stopped_ = true;
    if (!thread_.joinable()) return;
    asio::post(io_, [this] {
      accepting_ = false;
      boost::system::error_code ignored;
      acceptor_.close(ignored);
      retry_.cancel();
      for (const auto& connection : open_connections()) connection->end(Connection::Ending::stopped);
      connections_.clear();
    });
    work_.reset();
    // Every wait was cancelled above, so the thread runs out at once; the grace is a safety net.
    if (ran_out_.wait_for(kStopGrace) != std::future_status::ready) io_.stop();
    thread_.join();
  }

 private:
  struct Installed {
    FaultSpec spec;
    FaultPtr fault;
  };

  [[nodiscard]] std::string where() const { return fmt::format("proxy {}", name_); }

  Result<void> resolve_upstream(const std::string& host, std::uint16_t port) {
    boost::system::error_code ec;
    const auto address = asio::ip::make_address(host, ec);
    if (!ec) {
      upstream_.emplace_back(address, port);
      return {};
    }
    tcp::resolver resolver(io_);
    const auto results = resolver.resolve(host, std::to_string(port), ec);
    if (ec || results.empty()) {
      return Error{Errc::invalid_config, where(),
                   fmt::format("the upstream host \"{}\" cannot be resolved: {}", host, ec.message())};
    }
    for (const auto& entry : results) upstream_.push_back(entry.endpoint());
    return {};
  }

  // Binds 127.0.0.1 by port number, not as port 0: Linux gives an ephemeral port back when the
  // socket stops listening, and set_down needs to keep it. So a free port is found first, then
  // bound by number (retried if someone takes it in between). No SO_REUSEADDR: with it, another
  // socket could bind the port while we are down. A port asked for is bound as it is, once
  // (with SO_REUSEADDR: see below).
  Result<void> bind(std::uint16_t wanted) {
    const auto loopback = asio::ip::make_address_v4("127.0.0.1");
    boost::system::error_code ec;
    for (int attempt = 0; attempt < kBindAttempts; ++attempt) {
      std::uint16_t candidate = wanted;
      if (wanted == 0) {
        tcp::acceptor probe(io_);
        probe.open(tcp::v4(), ec);
        if (!ec) probe.bind({loopback, 0}, ec);
        if (ec) break;
        candidate = probe.local_endpoint().port();
      }
      acceptor_.open(tcp::v4(), ec);
      if (ec) break;
      // A port asked for is one a system was configured to send to: connections of whoever
      // listened there before may still be in TIME_WAIT, which must not keep us off it.
      if (wanted != 0) acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
      if (ec) break;
      acceptor_.bind({loopback, candidate}, ec);
      if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
      if (!ec) {
        port_ = candidate;
        return {};
      }
      boost::system::error_code ignored;
      acceptor_.close(ignored);
      if (wanted != 0) break;
    }
    return Error{Errc::bind_failed, where(), fmt::format("could not listen on 127.0.0.1: {}", ec.message())};
  }

  // The generation tells an accept that completes after set_down from one that belongs to now.
  void accept(std::uint64_t generation) {
    acceptor_.async_accept([this, generation](const boost::system::error_code& ec, tcp::socket socket) {
      if (!accepting_) return;
      if (generation != generation_ || down_) {
        if (!ec) refuse(std::move(socket));
        return;
      }
      if (!ec) {
        admit(std::move(socket));
        accept(generation);
        return;
      }
      // Out of descriptors, say: try again shortly rather than spin on the same error.
      retry_.expires_after(kAcceptRetry);
      retry_.async_wait([this, generation](const boost::system::error_code& waited) {
        if (!waited && accepting_ && generation == generation_ && !down_) accept(generation);
      });
    });
  }

  void refuse(tcp::socket socket) {
    counters_.connections_refused_while_down.fetch_add(1);
    boost::system::error_code ignored;
    socket.set_option(asio::socket_base::linger(true, 0), ignored);
    socket.close(ignored);
  }

  void admit(tcp::socket socket) {
    counters_.connections_accepted.fetch_add(1);
    auto connection = std::make_shared<Connection>(std::move(socket), counters_,
                                                   [this](const Connection* gone) { connections_.erase(gone); });
    {
      std::lock_guard lock(faults_mutex_);
      for (const auto& installed : faults_) {
        connection->add_fault(installed.spec.name, installed.spec.direction, *installed.fault);
      }
    }
    connections_.emplace(connection.get(), connection);
    connection->start(upstream_, kConnectTimeout);
  }

  void remove_everywhere(const FaultSpec& spec) {
    for (const auto& connection : open_connections()) connection->remove_fault(spec.name, spec.direction);
  }

  // A copy: ending a connection takes it out of connections_.
  std::vector<std::shared_ptr<Connection>> open_connections() const {
    std::vector<std::shared_ptr<Connection>> all;
    for (const auto& [key, connection] : connections_) all.push_back(connection);
    return all;
  }

  // Runs f on the io thread and waits for its result; inline if already there.
  template <typename F>
  Result<void> on_io(F f) {
    std::lock_guard lock(control_mutex_);
    if (stopped_) return Error{Errc::internal, where(), "the proxy has stopped; start a new one"};
    if (io_.get_executor().running_in_this_thread()) return f();
    auto task = std::make_shared<std::packaged_task<Result<void>()>>(std::move(f));
    auto done = task->get_future();
    asio::post(io_, [task] { (*task)(); });
    return done.get();
  }

  const std::string name_;
  Counters counters_;
  asio::io_context io_;
  tcp::acceptor acceptor_;
  asio::steady_timer retry_{io_};
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_;
  std::vector<tcp::endpoint> upstream_;
  std::uint16_t port_ = 0;
  std::thread thread_;
  std::future<void> ran_out_;

  // io thread only
  std::map<const Connection*, std::shared_ptr<Connection>> connections_;
  bool accepting_ = false;
  std::uint64_t generation_ = 0;

  std::atomic<bool> down_ = false;  // written on the io thread

  mutable std::mutex faults_mutex_;  // faults_ is written on the io thread and read by faults()
  std::vector<Installed> faults_;

  std::mutex control_mutex_;  // one control call at a time, and none once stop() has begun
  bool stopped_ = false;
};

Result<std::unique_ptr<Proxy>> Proxy::start(std::string name, std::string upstream_host, std::uint16_t upstream_port,
                                            std::uint16_t listen_port) {
  auto impl = std::make_unique<Impl>(std::move(name));
  if (auto opened = impl->open(upstream_host, upstream_port, listen_port); !opened) return opened.error();
  return std::unique_ptr<Proxy>(new Proxy(std::move(impl)));
}

Proxy::Proxy(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Proxy::~Proxy() { stop(); }

const std::string& Proxy::name() const { return impl_->name(); }
std::uint16_t Proxy::port() const { return impl_->port(); }
Result<void> Proxy::add(FaultSpec spec) { return impl_->add(std::move(spec)); }
Result<void> Proxy::remove(std::string_view name) { return impl_->remove(name); }
Result<void> Proxy::clear() { return impl_->clear(); }
std::vector<FaultSpec> Proxy::faults() const { return impl_->faults(); }
Result<void> Proxy::set_down(bool down) { return impl_->set_down(down); }
bool Proxy::down() const { return impl_->down(); }
ProxyStats Proxy::stats() const { return impl_->stats(); }
void Proxy::stop() { impl_->stop(); }

}  // namespace radloop::harness::link
