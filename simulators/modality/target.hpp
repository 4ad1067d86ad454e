// Where the modality sends: the peer's address and AE titles, shared by every service it uses.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace radloop::modality {

struct Target {
  std::string host = "127.0.0.1";
  std::uint16_t port = 104;
  std::string calling_ae = "MODALITY";  // ours
  std::string called_ae = "RADLOOP";    // the peer's, sent exactly as written (case included)
  std::chrono::seconds timeout{30};     // connect, association, and each DIMSE response
  std::uint32_t max_pdu_bytes = 16384;  // the largest PDU we receive
};

}  // namespace radloop::modality
