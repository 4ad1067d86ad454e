// The system a scenario runs against, seen only through its protocols and its query API.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "reference/core/result.hpp"

namespace radloop::harness {

struct Endpoints {
  std::string host = "127.0.0.1";
  std::uint16_t mllp_port = 0;
  std::uint16_t dicom_port = 0;
  std::string ae_title;
};

class SystemUnderTest {
 public:
  virtual ~SystemUnderTest() = default;
  SystemUnderTest() = default;
  SystemUnderTest(const SystemUnderTest&) = delete;
  SystemUnderTest& operator=(const SystemUnderTest&) = delete;

  [[nodiscard]] virtual Endpoints endpoints() const = 0;
  // Is the message with this sender (MSH-3^MSH-4) and control ID durably kept?
  virtual Result<bool> has_inbound(const std::string& sender, const std::string& control_id) = 0;
  // How many messages from this sender it keeps (a resend kept twice counts twice).
  virtual Result<std::int64_t> count_inbound_from(const std::string& sender) = 0;
};

// Where a system sends HL7 on: the RIS (orders, status) and the EHR (reports); port 0: nowhere.
struct HostPort {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
};
struct RoutedTo {
  HostPort ris;
  HostPort ehr;
};

// The in-process reference pipeline on ephemeral loopback ports with an in-memory store.
Result<std::unique_ptr<SystemUnderTest>> start_reference_system(const RoutedTo& routes = {});

}  // namespace radloop::harness
