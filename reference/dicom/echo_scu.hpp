// C-ECHO as a service user: open an association, verify, release. The smallest "is it there?".
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "reference/core/result.hpp"

namespace radloop::dicom {

struct EchoRequest {
  std::string host = "127.0.0.1";
  std::uint16_t port = 104;
  std::string calling_ae = "RADLOOP_SCU";
  std::string called_ae = "RADLOOP";
  std::chrono::seconds acse_timeout{10};
  std::chrono::seconds dimse_timeout{10};
};

struct EchoResult {
  std::uint16_t status = 0;  // DIMSE status of the C-ECHO response; 0x0000 = success
};

// dicom_association_rejected carries the peer's reject reason; connect_failed, the socket's.
Result<EchoResult> echo(const EchoRequest& request);

}  // namespace radloop::dicom
