// The bytes a peer sends on an association, followed PDU by PDU (PS3.8 9.3) as they arrive and
// before DCMTK reads them. DCMTK parses a DIMSE command set as it does a data set, recursing once
// per nested sequence with no limit, and it parses each fragment (PDV) of a command as soon as it
// arrives: a command whose sequences nest 20,000 deep killed the process. A command set is a few
// hundred bytes of flat elements (PS3.7 E.1), so the guard bounds its size, fragments together,
// and refuses the fragment that would pass it before DCMTK sees any of its bytes. A nesting level
// takes at least 16 bytes (a sequence's header and an item's), so 4 KiB hold at most 256 levels,
// far below what exhausts a stack. The whole command is then measured as every data set from a
// peer is (dataset_shape.hpp). The guard also frames PDUs by the lengths DCMTK would accept, and
// keeps commands and data sets in step: a data set fragment only after a command announcing one.
// An A-ASSOCIATE-RQ is read whole before DCMTK parses it: one with a second User Identity
// sub-item is refused, since DCMTK keeps the last and never frees the one before (a peer could
// make the server leak with every request).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "reference/core/result.hpp"
#include "reference/dicom/limits.hpp"

namespace radloop::dicom::internal {

struct PduLimits {
  // P-DATA-TF: the Maximum Length we announced (PS3.8 D.1: a sender shall not exceed it; DCMTK
  // refuses a longer one too).
  std::uint32_t max_pdata_bytes = 65536;
  // A-ASSOCIATE-RQ: a few KiB in practice; 128 presentation contexts with many transfer syntaxes
  // and a user identity token still fit well below this (DCMTK's own default limit).
  std::uint32_t max_associate_bytes = 1U << 20;
  // Every other PDU (release, abort) has a fixed 4-byte body; anything else is refused by DCMTK.
  std::uint32_t max_other_bytes = 65536;
  // A whole command set, all its fragments together (see above: this bounds its nesting too).
  std::uint32_t max_command_bytes = 4096;
  DatasetLimits command;  // the command set's shape
};

class PduGuard {
 public:
  explicit PduGuard(PduLimits limits) : limits_(limits) {}

  // Takes the next bytes of the stream. Once a rule is broken every later call fails the same way:
  // the stream is no longer followed, so nothing after it may reach DCMTK.
  Result<void> feed(std::string_view bytes);
  [[nodiscard]] const std::optional<Error>& refused() const { return refused_; }

 private:
  enum class Stage : std::uint8_t { pdu_header, pdu_body, pdv_header, pdv_body };

  Result<void> refuse(std::string where, std::string detail);
  Result<void> pdu_started();
  Result<void> pdv_started();
  Result<void> pdv_ended();
  Result<void> command_complete();
  Result<void> associate_complete();

  PduLimits limits_;
  std::optional<Error> refused_;
  Stage stage_ = Stage::pdu_header;
  std::array<std::uint8_t, 6> header_{};  // a PDU's or a PDV's header, as it arrives
  std::size_t header_have_ = 0;
  std::uint64_t pdus_ = 0;  // PDUs begun, for messages
  std::uint8_t pdu_type_ = 0;
  std::uint32_t pdu_left_ = 0;      // body bytes of the current PDU not yet seen
  std::uint32_t pdv_left_ = 0;      // fragment bytes of the current PDV not yet seen
  std::uint32_t pdv_length_ = 0;    // the current PDV's fragment length
  unsigned command_fragments_ = 0;  // fragments of the command set being collected
  bool pdv_command_ = false;
  bool pdv_last_ = false;
  bool data_set_due_ = false;  // the last command announced a data set, and it has not ended
  std::string command_;        // the command set's fragments so far
  std::string associate_;      // the A-ASSOCIATE-RQ's body so far (at most max_associate_bytes)
};

}  // namespace radloop::dicom::internal
