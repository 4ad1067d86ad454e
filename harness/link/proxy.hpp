// A fault-injecting TCP proxy for link faults, like Toxiproxy: clients connect to it instead of
// the server, and the bytes pass through a chain of faults (fault.hpp) each way.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "harness/link/fault.hpp"
#include "reference/core/result.hpp"

namespace radloop::harness::link {

struct ProxyDirectionStats {
  std::uint64_t bytes_received = 0;   // read from the sending side
  std::uint64_t bytes_delivered = 0;  // written to the far side; the difference was held or lost
};

struct ProxyStats {
  std::uint64_t connections_accepted = 0;
  std::uint64_t connections_open = 0;
  std::uint64_t connections_refused_while_down = 0;  // accepted in the moment set_down began
  std::uint64_t upstream_connect_failures = 0;       // the client was closed: the server was not there
  std::uint64_t connections_closed_by_faults = 0;    // drop_after
  std::uint64_t connections_reset_by_faults = 0;     // reset
  std::uint64_t connections_reset_by_down = 0;       // open when set_down(true) was called
  ProxyDirectionStats upstream;                      // client → server
  ProxyDirectionStats downstream;                    // server → client
};

class Proxy {
 public:
  // Listens on 127.0.0.1 on listen_port (0: an ephemeral one; see port()) and runs its own io
  // thread. For every client it connects to upstream_host:upstream_port (an address or a name
  // resolved now). Errors: invalid_config (the upstream cannot be resolved), bind_failed.
  static Result<std::unique_ptr<Proxy>> start(std::string name, std::string upstream_host, std::uint16_t upstream_port,
                                              std::uint16_t listen_port = 0);
  ~Proxy();  // stop()
  Proxy(const Proxy&) = delete;
  Proxy& operator=(const Proxy&) = delete;

  [[nodiscard]] const std::string& name() const;
  [[nodiscard]] std::uint16_t port() const;

  // Appends the fault to its direction's chain, on open connections too; it applies to bytes
  // that arrive from now on and to bytes still held by the faults before it.
  // Errors: invalid_config (see validate(); or the name is taken), internal (the proxy has stopped).
  Result<void> add(FaultSpec spec);
  // The fault passes on what it holds (blackhole drops it) and leaves every chain.
  // Errors: not_found (no fault by that name), internal (stopped).
  Result<void> remove(std::string_view name);
  // Removes every fault, first added first, so held bytes flow on in order.
  Result<void> clear();
  // The faults on the proxy, in the order they were added (each with its name filled in).
  [[nodiscard]] std::vector<FaultSpec> faults() const;

  // "Receiver down": while down, connections are refused (the port stays reserved for the proxy)
  // and open ones are reset. set_down(false) accepts again.
  Result<void> set_down(bool down);
  [[nodiscard]] bool down() const;

  [[nodiscard]] ProxyStats stats() const;

  // Closes the listener and every connection (bytes in flight are lost), cancels every wait and
  // joins the io thread. Idempotent; every other call fails with internal afterwards.
  void stop();

  class Impl;

 private:
  explicit Proxy(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace radloop::harness::link
