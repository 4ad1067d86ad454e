// What a fault type implements (the contract is in fault.hpp): a Fault is the checked spec, shared
// by every connection; a Stage is its state on one direction of one connection.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string>

namespace radloop::harness::link {

using Clock = std::chrono::steady_clock;

// A piece of one direction's stream: bytes, or how the stream ends. Ends travel in order behind
// the bytes, so every fault can hold or pass them like bytes and none overtakes what came first.
struct Chunk {
  enum class Kind {
    data,
    end,    // the sending side closed: shut the far side down once the bytes before are out
    cut,    // a fault closes the connection: both sides, after the bytes before are out
    reset,  // a fault resets the connection: both sides get a TCP RST, after the bytes before
  };
  Kind kind = Kind::data;
  std::string bytes;
  Clock::time_point arrived{};  // when the proxy read it; delays count from here
};

// One fault on one direction of one connection. Everything runs on the proxy's io thread.
class Stage {
 public:
  virtual ~Stage() = default;
  // A chunk arrives from the side (or the fault) before this one.
  virtual void push(Chunk chunk) = 0;
  // The fault is being removed: pass on everything held, in order, now, and wait for nothing more.
  virtual void release() = 0;
  // The connection is going away: stop every wait; what is held is dropped with the connection.
  virtual void cancel() = 0;
};

// Where a stage sends what it lets through, and where its timers run.
struct StageIo {
  boost::asio::any_io_executor executor;
  std::function<void(Chunk)> pass;  // to the next fault, or out to the far side
};

// A checked fault spec: immutable, shared by all connections, one Stage per connection.
class Fault {
 public:
  virtual ~Fault() = default;
  [[nodiscard]] virtual std::unique_ptr<Stage> attach(StageIo io) const = 0;
};

}  // namespace radloop::harness::link
