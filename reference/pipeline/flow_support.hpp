// Pieces the flows share: the store's orders as the matching rules' index, deciding and applying
// a study's or report's fate, queueing outbound messages and marking landing stages.
#pragma once

#include <string>

#include "reference/pipeline/flows.hpp"

namespace radloop::pipeline::support {

// The orders a study or report may land on, read through a unit of work. Cancelled and
// discontinued orders are not candidates. A store failure is remembered and reported by failed().
class TxOrderIndex final : public match::OrderIndex {
 public:
  explicit TxOrderIndex(store::Tx& tx) : tx_(tx) {}
  [[nodiscard]] std::vector<match::OrderView> by_accession(std::string_view accession) const override;
  [[nodiscard]] std::vector<match::OrderView> by_study_uid(std::string_view study_instance_uid) const override;
  [[nodiscard]] std::vector<match::OrderView> by_patient(const match::PatientKey& patient) const override;
  [[nodiscard]] const std::optional<Error>& failed() const { return error_; }

 private:
  std::vector<match::OrderView> query(const store::OrderFilter& filter) const;
  store::Tx& tx_;
  mutable std::optional<Error> error_;
};

match::OrderView view_of(const store::OrderRecord& order);
std::string order_key(std::int64_t id);

// Decides against the store's orders; a store failure is an error, not a decision.
Result<match::Decision> decide(store::Tx& tx, const match::StudyView& subject, const FlowContext& context);

// Opens a review item for a subject, audited as opened by the pipeline.
Result<store::ReviewRecord> open_review(store::Tx& tx, const std::string& kind, const std::string& subject,
                                        const match::Decision& decision, const match::StudyView& evidence);

// Applies a decision to a study: linked (its order learns the Study UID), in review, or pending.
Result<void> settle_study(store::Tx& tx, store::StudyRecord& study, const match::Decision& decision,
                          const Sabotage& sabotage = {});
match::StudyView view_of(const store::StudyRecord& study);

// Queues a message for a destination when it is configured; returns whether it was queued.
Result<bool> enqueue(store::Tx& tx, const char* destination, const std::string& subject, FlowContext& context,
                     const std::function<std::string(const Stamp&)>& build);

// A report version tied to its order: the ORU goes to the EHR, and the order is "reported".
Result<bool> deliver_report(store::Tx& tx, const store::ReportRecord& record, const store::OrderRecord& order,
                            FlowContext& context);
// Decides a report's order and delivers it, opens a review, or leaves it waiting.
Result<Applied> tie_report(store::Tx& tx, store::ReportRecord& record, const report::Report& report,
                           const std::string& source, FlowContext& context);

// An order arrived or changed: studies and reports waiting for it are decided again.
Result<Applied> reconcile_waiting(store::Tx& tx, const store::OrderRecord& order, FlowContext& context);

Result<void> mark(store::Tx& tx, const std::string& accession, const char* stage, store::Millis at);
Result<std::optional<store::OrderRecord>> find_order(store::Tx& tx, std::int64_t id);

}  // namespace radloop::pipeline::support
