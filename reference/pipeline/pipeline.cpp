// Pipeline wiring: HL7 in over MLLP -> inbound log (durable) -> ACK; DICOM services alongside.
#include "reference/pipeline/pipeline.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <chrono>

#include "reference/hl7/header.hpp"
#include "reference/store/sqlite_store.hpp"

namespace radloop::pipeline {
namespace {

std::string hl7_timestamp() {
  return fmt::format("{:%Y%m%d%H%M%S}",
                     fmt::gmtime(std::chrono::system_clock::to_time_t(std::chrono::system_clock::now())));
}

}  // namespace

Result<std::unique_ptr<Pipeline>> Pipeline::start(PipelineConfig config) {
  std::unique_ptr<Pipeline> p(new Pipeline(std::move(config)));
  auto store = store::SqliteStore::open(p->config_.store_path);
  if (!store) return store.error();
  p->store_ = std::move(store).value();

  auto dicom = dicom::Server::start(p->config_.dicom, p->config_.dicom_observer);
  if (!dicom) return dicom.error();
  p->dicom_ = std::move(dicom).value();

  auto mllp =
      mllp::Server::start(p->config_.mllp, [raw = p.get()](const mllp::InboundMessage& m) { return raw->on_hl7(m); });
  if (!mllp) return mllp.error();
  p->mllp_ = std::move(mllp).value();
  return p;
}

Pipeline::~Pipeline() { stop(); }

void Pipeline::stop() {
  // Listeners first, so nothing new arrives while the store is still open.
  if (mllp_) mllp_->stop();
  if (dicom_) dicom_->stop();
}

PipelineStats Pipeline::stats() const {
  return PipelineStats{accepted_, duplicates_, rejected_, errors_, mllp_->stats(), dicom_->stats()};
}

std::string Pipeline::on_hl7(const mllp::InboundMessage& message) {
  const auto ack_id = fmt::format("RL{:08}", ++ack_sequence_);
  const auto now = hl7_timestamp();
  auto header = hl7::parse_header(message.payload);
  if (!header) {
    ++rejected_;
    spdlog::warn("pipeline: rejected a message from {}: {}", message.peer, header.error().message());
    return hl7::build_reject(header.error(), ack_id, now);
  }
  const auto& h = header.value();
  const auto type = h.trigger_event.empty() ? h.message_type : h.message_type + "^" + h.trigger_event;
  // Durable before acknowledged: the ACK is built only after the log commit returned.
  auto logged = store_->log_inbound(store::InboundMessage{h.sending_application + "^" + h.sending_facility,
                                                          h.control_id, type, message.payload, message.peer});
  if (!logged) {
    ++errors_;
    spdlog::error("pipeline: could not keep {} from {}: {}", h.control_id, message.peer, logged.error().message());
    return hl7::build_ack(h, hl7::AckRequest{hl7::AckCode::AE, ack_id, now, logged.error()});
  }
  ++accepted_;
  if (logged->duplicate) ++duplicates_;
  return hl7::build_ack(h, hl7::AckRequest{hl7::AckCode::AA, ack_id, now, std::nullopt});
}

}  // namespace radloop::pipeline
