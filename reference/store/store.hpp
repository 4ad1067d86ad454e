// The durable store behind one interface: what the pipeline has accepted, kept before it ACKs.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "reference/core/result.hpp"

namespace radloop::store {

// One inbound HL7 message as received, before anything is applied from it.
struct InboundMessage {
  std::string sender;        // MSH-3^MSH-4, the sending application and facility
  std::string control_id;    // MSH-10
  std::string message_type;  // MSH-9, e.g. "ADT^A04"
  std::string raw;           // the payload as framed on the wire
  std::string peer;          // transport address it came from
};

struct LoggedMessage {
  std::int64_t id = 0;
  bool duplicate = false;  // sender + control ID were already logged; nothing new was written
};

class Store {
 public:
  virtual ~Store() = default;
  Store() = default;
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // Durable when it returns: the caller may ACK. The same sender + control ID twice is
  // logged once and reported as a duplicate.
  virtual Result<LoggedMessage> log_inbound(const InboundMessage& message) = 0;
  virtual Result<std::optional<InboundMessage>> find_inbound(const std::string& sender,
                                                             const std::string& control_id) = 0;
  virtual Result<std::int64_t> count_inbound() = 0;
};

}  // namespace radloop::store
