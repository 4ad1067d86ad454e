// Review items: a person's link, relink or reject, audited, with delivery re-run for what it
// ties; and the sweep that sends what waited too long for its order to review.
#include <fmt/format.h>

#include "reference/match/review_queue.hpp"
#include "reference/pipeline/flow_support.hpp"
#include "reference/report/report_json.hpp"

namespace radloop::pipeline {
namespace {

match::ReviewItem::State match_state(store::ReviewRecord::State s) {
  switch (s) {
    case store::ReviewRecord::State::open: return match::ReviewItem::State::open;
    case store::ReviewRecord::State::linked: return match::ReviewItem::State::linked;
    case store::ReviewRecord::State::rejected: return match::ReviewItem::State::rejected;
  }
  return match::ReviewItem::State::open;
}

store::ReviewRecord::State store_state(match::ReviewItem::State s) {
  switch (s) {
    case match::ReviewItem::State::open: return store::ReviewRecord::State::open;
    case match::ReviewItem::State::linked: return store::ReviewRecord::State::linked;
    case match::ReviewItem::State::rejected: return store::ReviewRecord::State::rejected;
  }
  return store::ReviewRecord::State::open;
}

// Every version of the order's reports goes to the EHR again, now tied as the person decided.
Result<int> redeliver_reports(store::Tx& tx, const store::OrderRecord& order, FlowContext& context) {
  store::ReportFilter f;
  f.order_id = order.id;
  auto reports = tx.reports(f);
  if (!reports) return reports.error();
  int queued = 0;
  for (const auto& r : *reports) {
    auto sent = support::deliver_report(tx, r, order, context);
    if (!sent) return sent.error();
    queued += *sent ? 1 : 0;
  }
  return queued;
}

Result<std::string> tie_study(store::Tx& tx, const std::string& study_uid, const store::OrderRecord* order,
                              FlowContext& context) {
  store::StudyFilter f;
  f.study_uid = study_uid;
  auto studies = tx.studies(f);
  if (!studies) return studies.error();
  if (studies->empty()) return Error{Errc::not_found, "study " + study_uid, "the study of this item is not indexed"};
  auto study = studies->front();
  const auto now = FlowContext::now();
  study.updated_at = now;
  if (order == nullptr) {
    study.state = store::StudyRecord::State::rejected;
    study.order_id = 0;
    if (auto r = tx.put_study(study); !r) return r.error();
    return std::string("study rejected");
  }
  study.state = store::StudyRecord::State::linked;
  study.order_id = order->id;
  if (auto r = tx.put_study(study); !r) return r.error();
  auto o = *order;
  o.study_uid = study.study_uid;
  o.updated_at = now;
  if (auto r = tx.put_order(o, "study " + study.study_uid + " linked by review"); !r) return r.error();
  if (auto r = support::mark(tx, o.accession, "images_received", study.received_at); !r) return r.error();
  if (auto r = support::mark(tx, o.accession, "reconciled", now); !r) return r.error();
  auto queued = redeliver_reports(tx, o, context);
  if (!queued) return queued.error();
  return fmt::format("study linked to order {}; {} report version(s) re-sent", o.placer, *queued);
}

Result<std::string> tie_report_item(store::Tx& tx, const std::string& subject, const store::OrderRecord* order,
                                    FlowContext& context) {
  const auto id = std::stoll(subject.substr(subject.find(' ') + 1));
  store::ReportFilter f;
  f.id = id;
  auto reports = tx.reports(f);
  if (!reports) return reports.error();
  if (reports->empty()) return Error{Errc::not_found, subject, "the report of this item is not stored"};
  auto record = reports->front();
  if (order == nullptr) return std::string("report rejected: it is not delivered");
  record.order_id = order->id;
  record.accession = order->accession;
  if (auto r = tx.put_report(record); !r) return r.error();
  auto sent = support::deliver_report(tx, record, *order, context);
  if (!sent) return sent.error();
  return fmt::format("report tied to order {}{}", order->placer, *sent ? " and sent to the EHR" : "");
}

}  // namespace

Result<store::ReviewRecord> resolve_review(store::Tx& tx, const Resolution& resolution, FlowContext& context) {
  const auto where = "review " + std::to_string(resolution.item);
  auto found = tx.find_review(resolution.item);
  if (!found) return found.error();
  if (!found->has_value()) return Error{Errc::review_not_found, where, "no such item"};
  auto item = **found;
  auto next = match::resolve_state(match_state(item.state), resolution.action, where);
  if (!next) return next.error();

  std::optional<store::OrderRecord> order;
  if (resolution.action != Resolution::Action::reject) {
    auto o = tx.find_order(resolution.order_id);
    if (!o) return o.error();
    if (!o->has_value()) {
      return Error{Errc::not_found, "order " + std::to_string(resolution.order_id), "there is no order with that ID"};
    }
    order = **o;
  }
  const auto previous = item.order_id;
  const auto now = FlowContext::now();
  item.state = store_state(*next);
  item.order_id = order ? support::order_key(order->id) : std::string();
  item.closed_at = now;
  if (auto r = tx.put_review(item); !r) return r.error();

  const auto* target = order ? &*order : nullptr;
  auto downstream = item.kind == "report" ? tie_report_item(tx, item.subject, target, context)
                                          : tie_study(tx, item.subject, target, context);
  if (!downstream) return downstream.error();
  std::string detail;
  switch (resolution.action) {
    case Resolution::Action::link: detail = "to order " + item.order_id; break;
    case Resolution::Action::relink: detail = "from order " + previous + " to order " + item.order_id; break;
    case Resolution::Action::reject: detail = resolution.reason; break;
  }
  detail += "; " + *downstream;
  const auto action = std::string(match::to_string(resolution.action));
  if (auto r = tx.add_audit({now, resolution.actor, action, where, detail}); !r) return r.error();
  return item;
}

Result<Applied> sweep_pending(store::Tx& tx, FlowContext& context) {
  const auto now = FlowContext::now();
  const auto cutoff =
      now - std::chrono::duration_cast<std::chrono::milliseconds>(context.config().pending_window).count();
  Applied applied;
  store::StudyFilter f;
  f.state = store::StudyRecord::State::pending;
  auto studies = tx.studies(f);
  if (!studies) return studies.error();
  int moved = 0;
  for (auto& study : *studies) {
    if (study.received_at > cutoff) continue;
    match::Decision waited;
    waited.kind = match::Decision::Kind::review;
    waited.reason = match::Reason::no_order_yet;
    waited.explanation = fmt::format("no order with accession {} arrived within {} s of the study", study.accession,
                                     context.config().pending_window.count());
    if (auto r = support::settle_study(tx, study, waited); !r) return r.error();
    ++moved;
  }
  store::ReportFilter rf;
  rf.untied = true;
  auto reports = tx.reports(rf);
  if (!reports) return reports.error();
  for (const auto& record : *reports) {
    if (record.order_id != 0 || record.received_at > cutoff) continue;
    const auto subject = "report " + std::to_string(record.id);
    auto items = tx.reviews(std::nullopt, subject, 1);
    if (!items) return items.error();
    if (!items->empty()) continue;
    match::Decision waited;
    waited.kind = match::Decision::Kind::review;
    waited.reason = match::Reason::no_order_yet;
    waited.explanation = fmt::format("no order with accession {} arrived within {} s of the report", record.accession,
                                     context.config().pending_window.count());
    const match::StudyView evidence{{record.patient_mrn, record.patient_issuer}, record.accession, "", "", "", ""};
    if (auto r = support::open_review(tx, "report", subject, waited, evidence); !r) return r.error();
    ++moved;
  }
  if (moved > 0) applied.outcome = fmt::format("{} waiting item(s) sent to review", moved);
  return applied;
}

}  // namespace radloop::pipeline
