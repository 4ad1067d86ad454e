// MLLP sender for one destination: an ordered queue, one message at a time over one connection,
// each re-sent byte for byte (same control ID) with exponential backoff until it is answered.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "reference/core/result.hpp"
#include "reference/mllp/frame.hpp"
#include "reference/mllp/tls.hpp"

namespace radloop::mllp {

// What the reply means. MLLP does not read HL7: the layer above injects the classifier (the HL7
// layer reads MSA-1), so "AE" or "AR" can be told apart from "AA" without this layer knowing.
struct ReplyVerdict {
  std::string code;      // e.g. "AA"; empty when there is no classifier
  bool accepted = true;  // the peer took responsibility for the message
  bool retry = false;    // send the same bytes again (e.g. a transient AE); final otherwise
};
using ReplyClassifier = std::function<ReplyVerdict(std::string_view reply)>;

struct SenderConfig {
  std::string host = "127.0.0.1";  // an IP address
  std::uint16_t port = 0;
  std::chrono::milliseconds connect_timeout{5'000};     // per attempt, TLS handshake included
  std::chrono::milliseconds reply_timeout{30'000};      // per attempt: the ACK timeout
  unsigned max_attempts = 5;                            // sends of one message, the first included
  std::chrono::milliseconds initial_backoff{500};       // wait after the first failed attempt
  double backoff_multiplier = 2.0;                      // each later wait is this many times longer
  std::chrono::milliseconds max_backoff{30'000};        // ... up to this
  std::size_t max_frame_bytes = kDefaultMaxFrameBytes;  // largest reply accepted
  std::optional<ClientTls> tls = std::nullopt;          // absent: plain TCP
  ReplyClassifier classify = nullptr;                   // absent: every reply counts as accepted
};

// How one message ended. Every outcome but `replied` and `cancelled` means the sender gave up
// after max_attempts (or at close()); it names what went wrong on the last attempt.
enum class SendOutcome {
  replied,          // a reply came; `verdict` says whether it accepted the message
  refused,          // could not connect or complete the TLS handshake: the message never left
  connection_lost,  // the connection broke after sending, before the reply: outcome unknown
  timed_out,        // no reply within reply_timeout: outcome unknown
  cancelled,        // close() came before the message was sent
};

std::string_view to_string(SendOutcome outcome);

struct SendResult {
  SendOutcome outcome = SendOutcome::cancelled;
  std::string reply;     // the last reply payload, when outcome is replied
  ReplyVerdict verdict;  // what the classifier made of it
  unsigned attempts = 0;
  std::optional<Error> last_error;  // why the last failed attempt failed; empty when replied

  // A reply came and the classifier (if any) says it was accepted.
  [[nodiscard]] bool accepted() const { return outcome == SendOutcome::replied && verdict.accepted; }
};

// The wait after failed attempt number `attempt` (1-based): initial_backoff * multiplier^(attempt-1),
// capped at max_backoff.
std::chrono::milliseconds backoff_after(const SenderConfig& config, unsigned attempt);

class Sender {
 public:
  // Checks the configuration (address, TLS files); connects lazily, at the first message.
  static Result<std::unique_ptr<Sender>> start(SenderConfig config);
  // close(), then waits for the worker.
  ~Sender();
  Sender(const Sender&) = delete;
  Sender& operator=(const Sender&) = delete;

  // Queues a payload (unframed). Messages go out strictly in submission order, one at a time:
  // the next leaves only after the previous one has its result. Thread-safe.
  std::future<SendResult> submit(std::string payload);

  // Queued messages get `cancelled` at once; the message being sent gets no further attempt after
  // the current one, whose wait is bounded by connect_timeout + reply_timeout. Returns when the
  // worker has ended. Idempotent; submit() after close() returns `cancelled`.
  void close();

  class Impl;

 private:
  explicit Sender(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace radloop::mllp
