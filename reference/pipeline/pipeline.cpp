// Pipeline wiring: HL7 in over MLLP -> inbound log (durable) -> ACK; DICOM services alongside.
#include "reference/pipeline/pipeline.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <chrono>

#include "reference/hl7/ack.hpp"
#include "reference/hl7/parser.hpp"
#include "reference/hl7/segments.hpp"
#include "reference/hl7/validate.hpp"
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
  return PipelineStats{accepted_, duplicates_, rejected_, errors_, invalid_, mllp_->stats(), dicom_->stats()};
}

std::string Pipeline::on_hl7(const mllp::InboundMessage& message) {
  const hl7::AckOptions ack{fmt::format("RL{:08}", ++ack_sequence_), hl7_timestamp(), ""};
  const auto reject = [&](const Error& why) {
    ++rejected_;
    spdlog::warn("pipeline: rejected a message from {}: {}", message.peer, why.message());
    return hl7::build_reject(why, ack).serialize();
  };
  auto parsed = hl7::parse(message.payload);
  if (!parsed) return reject(parsed.error());
  const auto& msg = parsed.value();
  if (msg.segment_id(0) != "MSH") {
    return reject(Error{Errc::hl7_not_a_message, "segment 1",
                        "a batch or file header; MLLP carries one message per frame, starting with MSH"});
  }
  const hl7::Msh msh(msg, 0);
  const auto type = hl7::message_type(msg);
  if (type.code.empty()) return reject(Error{Errc::hl7_required_missing, "MSH-9", "the message type is empty"});
  if (msh.control_id().empty()) {
    return reject(Error{Errc::hl7_required_missing, "MSH-10", "the message control ID is empty"});
  }
  // Durable before acknowledged: the ACK is built only after the log commit returned.
  auto logged =
      store_->log_inbound(store::InboundMessage{msh.sending_application() + "^" + msh.sending_facility(),
                                                msh.control_id(), type.name(), message.payload, message.peer, ""});
  if (!logged) {
    ++errors_;
    spdlog::error("pipeline: could not keep {} from {}: {}", msh.control_id(), message.peer, logged.error().message());
    return hl7::build_ack(msg, hl7::Outcome::error, {hl7::to_issue(logged.error())}, ack).serialize();
  }
  if (logged->duplicate) ++duplicates_;
  // Kept either way; a message that breaks its structure is answered AE with its problems.
  const auto issues = hl7::validate(msg);
  if (!hl7::valid(issues)) {
    ++invalid_;
    return hl7::build_ack(msg, hl7::Outcome::error, issues, ack).serialize();
  }
  ++accepted_;
  return hl7::build_ack(msg, hl7::Outcome::accepted, {}, ack).serialize();
}

}  // namespace radloop::pipeline
