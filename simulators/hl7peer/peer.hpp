// The part every simulated HL7 system shares: sending to the system under test over MLLP and
// recording the ACK, and listening for what it sends, answering as scripted — AA, AE, AR, no
// answer, a late answer, a dropped connection — or not listening at all while "down".
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "reference/core/result.hpp"
#include "reference/mllp/server.hpp"
#include "simulators/hl7peer/events.hpp"

namespace radloop::hl7sim {

// How the simulated system answers one message it receives.
struct AckBehaviour {
  enum class Kind : std::uint8_t {
    accept,     // AA
    error,      // AE
    reject,     // AR
    no_answer,  // holds the connection for `delay`, answers nothing, then closes it
    drop,       // closes the connection at once, answers nothing
    wrong_id,   // AA, but MSA-2 names another message: a receiver that mixed up its answers
    blank_id,   // AA with an empty MSA-2
  };
  Kind kind = Kind::accept;
  std::chrono::milliseconds delay{0};  // before answering: a late ACK
};

// "AA", "AE", "AR", "none", "drop", "wrong_id" or "blank_id", optionally with "@MS": answered
// after MS milliseconds ("none@MS" holds the connection MS, then closes it; a plain "none" holds
// it 2 s). Anything else is invalid_config with a sentence.
Result<AckBehaviour> parse_ack_behaviour(std::string_view text);

// Per received message, counted from 1 in arrival order; the rest get `otherwise`.
struct AckScript {
  std::map<std::size_t, AckBehaviour> by_message;
  AckBehaviour otherwise;
};

struct PeerConfig {
  std::string actor = "ehr";  // names it in the event log
  std::string application = "EHR";
  std::string facility = "GENERAL";
  std::string listen_address = "127.0.0.1";
  std::uint16_t listen_port = 0;  // 0 = ephemeral
  std::string target_host = "127.0.0.1";
  std::uint16_t target_port = 0;  // the system under test's inbound MLLP
  std::chrono::milliseconds reply_timeout{10'000};
  std::uint64_t seed = 1;  // control IDs derive from it: the same seed, the same messages
};

struct Received {
  std::string payload;
  std::string message_type;
  std::string control_id;
  std::string answered;  // AA, AE, AR, none, dropped, wrong_id, blank_id
};

// Whether the simulated system kept a message it received: it answered AA (with a right or a
// faulty MSA-2), or held it without answering (its ACK lost on the way).
inline bool kept(const Received& r) {
  return r.answered == "AA" || r.answered == "none" || r.answered == "wrong_id" || r.answered == "blank_id";
}

struct SendResult {
  std::string control_id;
  std::string ack;              // AA, AE, AR ...; "none" when no answer came, or none for this message (see error)
  std::string text;             // MSA-3 / ERR text
  std::string error;            // why there was no answer
  std::string acknowledged_id;  // MSA-2 as answered, also when it names another message
  bool not_sent = false;        // no connection could be made: the message certainly did not arrive
};

class Peer {
 public:
  // After a message is answered, on_message runs on the peer's own worker thread (so it may send
  // to the system under test without holding up the answer).
  using OnMessage = std::function<void(const Received&)>;
  static Result<std::unique_ptr<Peer>> start(PeerConfig config, OnMessage on_message = {});
  ~Peer();
  Peer(const Peer&) = delete;
  Peer& operator=(const Peer&) = delete;

  [[nodiscard]] std::uint16_t port() const { return port_; }
  [[nodiscard]] const PeerConfig& config() const { return config_; }
  void set_script(AckScript script);
  // Stops listening: the system under test finds nobody there (its connections are refused).
  // come_up() listens again on the same port, which stays bound meanwhile: the system does not
  // give it to another listener asking for any free port (port 0), which would then answer in
  // our place. A socket binding it by number with SO_REUSEADDR still could.
  void go_down();
  Result<void> come_up();

  // Where send() goes from now on (the system under test may start after the simulator).
  void retarget(const std::string& host, std::uint16_t port);
  // A fresh control ID: <APPLICATION><seed>-<n>.
  std::string next_control_id();
  // "YYYYMMDDHHMMSS", from a clock that starts at the seed's day and moves one second a call,
  // so the same seed writes the same messages.
  std::string next_timestamp();
  // Sends one message on a connection of its own and records what came back.
  SendResult send(const std::string& er7, const GroundTruth& truth);

  [[nodiscard]] std::vector<Received> received() const;
  // Waits up to `patience` for at least n received messages; returns what arrived.
  std::vector<Received> wait_for(std::size_t n, std::chrono::milliseconds patience) const;
  [[nodiscard]] EventLog& log() { return log_; }
  void stop();

 private:
  explicit Peer(PeerConfig config, OnMessage on_message)
      : config_(std::move(config)), on_message_(std::move(on_message)) {}
  Result<void> listen();
  void reserve_port();
  void release_port();
  std::string answer(const mllp::InboundMessage& message);
  void run_worker();

  PeerConfig config_;
  OnMessage on_message_;
  EventLog log_;
  std::unique_ptr<mllp::Server> server_;
  std::uint16_t port_ = 0;
  int reserved_ = -1;  // while down: the port, bound and not listening

  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  AckScript script_;
  std::vector<Received> received_;  // in the order they were answered
  std::size_t arrivals_ = 0;
  std::deque<Received> pending_;  // for on_message
  std::uint64_t next_control_ = 0;
  std::uint64_t next_second_ = 0;
  bool stopping_ = false;
  std::thread worker_;
};

}  // namespace radloop::hl7sim
