// The pipeline's flows as units of work over the store: each takes what arrived (an HL7 message,
// an instance, a performed step, a person's decision) and applies it inside one transaction,
// queueing whatever must go out in the same transaction. No I/O beyond the store happens here.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "reference/core/result.hpp"
#include "reference/dicom/instance.hpp"
#include "reference/dicom/mpps.hpp"
#include "reference/hl7/message.hpp"
#include "reference/match/review_queue.hpp"
#include "reference/match/rules.hpp"
#include "reference/mllp/tls.hpp"
#include "reference/pipeline/outbound_messages.hpp"
#include "reference/pipeline/sabotage.hpp"
#include "reference/report/report.hpp"
#include "reference/store/store.hpp"

namespace radloop::pipeline {

// Where the pipeline sends HL7: the RIS (orders, status updates) and the EHR (reports).
struct Destination {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
  std::string application;  // MSH-5 of what goes there
  std::string facility;     // MSH-6
  std::chrono::milliseconds reply_timeout{10'000};
  std::optional<mllp::ClientTls> tls = std::nullopt;  // absent: plain TCP
};

inline constexpr const char* kRis = "ris";
inline constexpr const char* kEhr = "ehr";

struct FlowConfig {
  std::string application = "RADLOOP";                  // MSH-3 of what the pipeline sends
  std::string facility = "RADLOOP";                     // MSH-4
  std::vector<std::string> ris_applications = {"RIS"};  // MSH-3 values that mean "this is the RIS"
  std::optional<Destination> ris;
  std::optional<Destination> ehr;
  match::MatchConfig match;
  std::chrono::seconds pending_window{3600};  // a study or report with no order goes to review after this
  Sabotage sabotage;                          // all off: see sabotage.hpp
};

// What a flow needs besides the store: configuration, the time, and fresh control IDs.
class FlowContext {
 public:
  explicit FlowContext(const FlowConfig& config) : config_(config) {}
  [[nodiscard]] const FlowConfig& config() const { return config_; }
  [[nodiscard]] static store::Millis now();
  // Unique across restarts: the time in milliseconds and a counter.
  [[nodiscard]] std::string next_control_id();
  [[nodiscard]] Stamp stamp_for(const Destination& destination);
  // For the defect report_to_previous_patient: remembers the patient (MRN, issuer) a report goes
  // out under and returns the one before it (empty at first).
  std::pair<std::string, std::string> previous_report_patient(std::pair<std::string, std::string> patient);

 private:
  const FlowConfig& config_;
  std::atomic<std::uint64_t> counter_{0};
  std::mutex previous_mutex_;
  std::pair<std::string, std::string> previous_patient_;
};

// What applying a message did, for the inbound log; `refusal` set means it was kept but could
// not be applied (answered AE with that error).
struct Applied {
  std::string outcome;
  std::optional<Error> refusal;
  bool queued = false;  // something was put in the outbox
};

Result<Applied> apply_adt(store::Tx& tx, const hl7::Message& message, FlowContext& context);
Result<Applied> apply_order(store::Tx& tx, const hl7::Message& message, bool from_ris, FlowContext& context);
Result<Applied> apply_oru(store::Tx& tx, const hl7::Message& message, FlowContext& context);
// An instance the DICOM server kept; `document` is the report read from it when it is a
// Structured Report or an encapsulated PDF.
Result<Applied> apply_instance(store::Tx& tx, const dicom::InstanceRecord& instance,
                               const std::optional<report::Report>& document, FlowContext& context);
Result<Applied> apply_performed_step(store::Tx& tx, const dicom::PerformedProcedureStep& step, FlowContext& context);

// A person's decision on a review item (link, relink, reject), audited, with downstream delivery
// re-run for what it ties.
struct Resolution {
  using Action = match::Resolution::Action;
  Action action = Action::link;
  std::int64_t item = 0;
  std::int64_t order_id = 0;  // link, relink
  std::string reason;         // reject
  std::string actor;
};
Result<store::ReviewRecord> resolve_review(store::Tx& tx, const Resolution& resolution, FlowContext& context);

// Studies and reports that waited longer than the pending window for their order go to review.
Result<Applied> sweep_pending(store::Tx& tx, FlowContext& context);

// The accession an order or report message carries: OBR-18 (IHE), else the filler number.
std::string accession_of(const hl7::Message& message);

}  // namespace radloop::pipeline
