// Errors as values: a code from the catalogue (error_catalogue.def), where it happened, and detail.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace radloop {

enum class Errc : std::uint16_t {
#define RADLOOP_ERROR(id, ack, e0357, dimse, http, sentence) id,
#include "reference/core/error_catalogue.def"
#undef RADLOOP_ERROR
};

// How an error maps onto each protocol, straight from the catalogue row.
struct ErrorInfo {
  std::string_view id;
  std::string_view hl7_ack;  // "AE" or "AR"
  int hl7_0357;              // HL7 table 0357
  std::uint16_t dimse_status;
  int http_status;
  std::string_view sentence;
};

const ErrorInfo& info(Errc code) noexcept;

struct Error {
  Errc code = Errc::internal;
  std::string where;   // location: "MSH-9", "(0008,0050)", "association MODALITY->RADLOOP", "127.0.0.1:2575"
  std::string detail;  // what exactly was seen

  // "<sentence> at <where>: <detail>" — the sentence a person can act on.
  [[nodiscard]] std::string message() const;
};

}  // namespace radloop
