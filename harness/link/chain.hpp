// The ordered chain of fault stages on one direction of one connection, ending at the outlet
// that writes to the far side; faults are appended and removed while bytes flow.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "harness/link/stage.hpp"

namespace radloop::harness::link {

class Chain {
 public:
  Chain(boost::asio::any_io_executor executor, std::function<void(Chunk)> outlet)
      : executor_(std::move(executor)), outlet_(std::move(outlet)) {}
  ~Chain();
  Chain(const Chain&) = delete;
  Chain& operator=(const Chain&) = delete;

  void push(Chunk chunk);
  // The new stage goes last, nearest the far side.
  void append(const std::string& name, const Fault& fault);
  // The stage passes on what it holds (blackhole excepted), then leaves; false if no such name.
  bool remove(const std::string& name);
  // The connection is going away: every stage stops waiting and nothing more is passed on.
  void cancel();

 private:
  struct Slot {
    std::uint64_t id = 0;
    std::string name;
    std::unique_ptr<Stage> stage;
  };

  // From the stage with this id to the one after it (or the outlet).
  void pass_from(std::uint64_t id, Chunk chunk);
  void deliver(std::size_t index, Chunk chunk);

  boost::asio::any_io_executor executor_;
  std::function<void(Chunk)> outlet_;
  std::vector<Slot> slots_;
  std::uint64_t next_id_ = 1;
  bool cancelled_ = false;
};

}  // namespace radloop::harness::link
