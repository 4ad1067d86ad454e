// The reference pipeline as one object: its listeners, its store, and the wiring between them.
// The daemon and the in-process harness both run this.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "reference/core/result.hpp"
#include "reference/dicom/server.hpp"
#include "reference/mllp/server.hpp"
#include "reference/store/store.hpp"

namespace radloop::pipeline {

struct PipelineConfig {
  std::string store_path = ":memory:";
  mllp::ServerConfig mllp;
  dicom::ServerConfig dicom;
  dicom::EventObserver dicom_observer;  // optional: who else wants the association events
};

struct PipelineStats {
  std::uint64_t hl7_accepted = 0;    // ACKed AA: durably logged (duplicates included)
  std::uint64_t hl7_duplicates = 0;  // ACKed AA again, applied once
  std::uint64_t hl7_rejected = 0;    // ACKed AR: unreadable
  std::uint64_t hl7_errors = 0;      // ACKed AE: could not be kept
  std::uint64_t hl7_invalid = 0;     // ACKed AE: kept, but its structure is broken (ERR says where)
  mllp::ServerStats mllp;
  dicom::ServerStats dicom;
};

class Pipeline {
 public:
  static Result<std::unique_ptr<Pipeline>> start(PipelineConfig config);
  ~Pipeline();
  Pipeline(const Pipeline&) = delete;
  Pipeline& operator=(const Pipeline&) = delete;

  [[nodiscard]] std::uint16_t mllp_port() const { return mllp_->port(); }
  [[nodiscard]] std::uint16_t dicom_port() const { return dicom_->port(); }
  [[nodiscard]] const std::string& ae_title() const { return config_.dicom.ae_title; }
  [[nodiscard]] PipelineStats stats() const;
  [[nodiscard]] store::Store& store() { return *store_; }
  void stop();

 private:
  explicit Pipeline(PipelineConfig config) : config_(std::move(config)) {}
  std::string on_hl7(const mllp::InboundMessage& message);

  PipelineConfig config_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<mllp::Server> mllp_;
  std::unique_ptr<dicom::Server> dicom_;
  std::atomic<std::uint64_t> ack_sequence_{0};
  std::atomic<std::uint64_t> accepted_{0}, duplicates_{0}, rejected_{0}, errors_{0}, invalid_{0};
};

}  // namespace radloop::pipeline
