// The DICOM flows: an instance indexed and its study reconciled in the transaction that marks it
// received (a report document also becomes a report version), and a performed procedure step
// moving its order's status, with the update sent on to the RIS.
#include <fmt/format.h>

#include <algorithm>

#include "reference/pipeline/flow_support.hpp"
#include "reference/report/report_json.hpp"

namespace radloop::pipeline {
namespace {

store::StudyRecord study_of(const dicom::InstanceRecord& i, const FlowContext& context, store::Millis now) {
  store::StudyRecord s;
  s.study_uid = i.study_instance_uid;
  s.patient_mrn = match::normalise_patient_id(i.patient_id, i.calling_ae, context.config().match);
  s.patient_issuer = i.issuer_of_patient_id;
  s.patient_name = i.patient_name;
  s.accession = i.accession_number;
  s.modality = i.modality;
  s.study_date = i.study_date;
  s.study_time = i.study_time;
  s.description = i.study_description;
  s.source = i.calling_ae;
  s.received_at = now;
  s.updated_at = now;
  return s;
}

}  // namespace

Result<Applied> apply_instance(store::Tx& tx, const dicom::InstanceRecord& instance,
                               const std::optional<report::Report>& document, FlowContext& context) {
  auto indexed = tx.put_instance(instance);
  if (!indexed) return indexed.error();
  if (!*indexed) return Applied{"instance already indexed", std::nullopt, false};
  const auto now = FlowContext::now();
  Applied applied;
  store::StudyFilter f;
  f.study_uid = instance.study_instance_uid;
  auto known = tx.studies(f);
  if (!known) return known.error();
  if (known->empty()) {
    // The study's first instance decides where the study lands; the rest follow it.
    auto study = study_of(instance, context, now);
    auto decision = support::decide(tx, support::view_of(study), context);
    if (!decision) return decision.error();
    if (auto r = support::settle_study(tx, study, *decision, context.config().sabotage); !r) return r.error();
    applied.outcome = fmt::format("study {} {} ({})", study.study_uid, store::to_string(study.state), study.reason);
  } else {
    applied.outcome = fmt::format("instance added to study {}", instance.study_instance_uid);
  }
  if (document) {
    store::ReportRecord record;
    record.accession = document->accession.empty() ? instance.accession_number : document->accession;
    record.patient_mrn = match::normalise_patient_id(document->patient_id, instance.calling_ae, context.config().match);
    record.patient_issuer = document->issuer;
    record.status = std::string(report::to_string(document->status));
    record.kind = document->attachments.empty() ? "sr" : "pdf";
    record.control_id = instance.sop_instance_uid;
    record.body = report::dump(*document);
    record.received_at = now;
    auto tied = support::tie_report(tx, record, *document, instance.calling_ae, context);
    if (!tied) return tied.error();
    applied.outcome += "; " + tied->outcome;
    applied.queued = tied->queued;
  }
  return applied;
}

Result<Applied> apply_performed_step(store::Tx& tx, const dicom::PerformedProcedureStep& step, FlowContext& context) {
  if (step.accession_number.empty()) {
    return Applied{"performed step " + step.sop_instance_uid + " names no accession; no order moved", std::nullopt,
                   false};
  }
  store::OrderFilter f;
  f.accession = step.accession_number;
  auto orders = tx.orders(f);
  if (!orders) return orders.error();
  std::string status;
  switch (step.status) {
    case dicom::PerformedProcedureStep::Status::in_progress: status = "IP"; break;
    case dicom::PerformedProcedureStep::Status::completed: status = "CM"; break;
    case dicom::PerformedProcedureStep::Status::discontinued: status = "DC"; break;
  }
  const auto now = FlowContext::now();
  Applied applied;
  int moved = 0;
  int disagreeing = 0;
  const auto& match = context.config().match;
  const auto performed_for = match::normalise_patient_id(step.patient_id, step.calling_ae, match);
  const auto open_orders =
      std::count_if(orders->begin(), orders->end(), [](const auto& o) { return o.status != "CA"; });
  for (auto& order : *orders) {
    if (order.status == "CA" || order.status == status) continue;
    // A step whose patient is not the order's (a typed or mistyped accession) moves nothing, and
    // above all does not lend the order its Study Instance UID: the study would then link to the
    // wrong patient on the strength of that UID.
    const bool trusting = context.config().sabotage.trust_study_uid;
    if (!trusting &&
        (performed_for.empty() || performed_for != match::normalise_patient_id(order.patient_mrn, "", match))) {
      ++disagreeing;
      continue;
    }
    order.status = status;
    order.updated_at = now;
    // Orders sharing the accession (a collision) are told apart by review, not by this step.
    if (order.study_uid.empty() && (open_orders == 1 || trusting)) order.study_uid = step.study_instance_uid;
    if (auto r = tx.put_order(order, fmt::format("MPPS {} from {}", dicom::to_string(step.status), step.calling_ae));
        !r)
      return r.error();
    if (status == "IP") {
      if (auto r = support::mark(tx, order.accession, "started", now); !r) return r.error();
    }
    auto patient = tx.find_patient(order.patient_mrn, order.patient_issuer);
    if (!patient) return patient.error();
    const auto demographics = patient->value_or(store::PatientRecord{});
    auto queued = support::enqueue(tx, kRis, order.accession, context,
                                   [&](const Stamp& stamp) { return status_update(order, demographics, stamp); });
    if (!queued) return queued.error();
    applied.queued = applied.queued || *queued;
    ++moved;
  }
  applied.outcome = fmt::format("performed step {} {}: {} order(s) of accession {} now {}", step.sop_instance_uid,
                                dicom::to_string(step.status), moved, step.accession_number, status);
  if (disagreeing > 0) {
    applied.outcome += fmt::format(
        "; {} order(s) of that accession left as they were: they are for another patient "
        "than the step's \"{}\"",
        disagreeing, step.patient_id);
  }
  return applied;
}

}  // namespace radloop::pipeline
