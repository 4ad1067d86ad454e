// Shared pieces of the flows (see flow_support.hpp).
#include "reference/pipeline/flow_support.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include <cctype>
#include <chrono>

#include "reference/report/report_json.hpp"

namespace radloop::pipeline {

store::Millis FlowContext::now() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string FlowContext::next_control_id() { return fmt::format("RL{}{:04}", now(), ++counter_ % 10000); }

Stamp FlowContext::stamp_for(const Destination& destination) {
  const auto seconds = static_cast<std::time_t>(now() / 1000);
  return Stamp{config_.application,  config_.facility,  destination.application,
               destination.facility, next_control_id(), fmt::format("{:%Y%m%d%H%M%S}", fmt::gmtime(seconds))};
}

std::pair<std::string, std::string> FlowContext::previous_report_patient(std::pair<std::string, std::string> patient) {
  std::lock_guard lock(previous_mutex_);
  return std::exchange(previous_patient_, std::move(patient));
}

namespace support {
namespace {

bool is_cancelled(const std::string& status) { return status == "CA" || status == "DC"; }

std::int64_t order_id_of(const std::string& key) {
  try {
    return std::stoll(key);
  } catch (const std::exception&) {
    return 0;
  }
}

// FAMILY^GIVEN of two XPN names, compared without regard to case: what a name-based matcher
// looks at (only the names_must_agree defect does).
bool same_family_and_given(const std::string& a, const std::string& b) {
  const auto key = [](const std::string& name) {
    std::string out;
    int carets = 0;
    for (const char c : name) {
      if (c == '^' && ++carets == 2) break;
      out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    return out;
  };
  return key(a) == key(b);
}

}  // namespace

std::string order_key(std::int64_t id) { return std::to_string(id); }

match::OrderView view_of(const store::OrderRecord& o) {
  return match::OrderView{order_key(o.id), {o.patient_mrn, o.patient_issuer}, o.accession,
                          o.modality,      o.scheduled.substr(0, 8),          o.study_uid};
}

match::StudyView view_of(const store::StudyRecord& s) {
  return match::StudyView{
      {s.patient_mrn, s.patient_issuer}, s.accession, s.study_uid, s.modality, s.study_date, s.source};
}

std::vector<match::OrderView> TxOrderIndex::query(const store::OrderFilter& filter) const {
  std::vector<match::OrderView> out;
  if (error_) return out;
  auto found = tx_.orders(filter);
  if (!found) {
    error_ = found.error();
    return out;
  }
  for (const auto& o : *found) {
    if (!is_cancelled(o.status)) out.push_back(view_of(o));
  }
  return out;
}

std::vector<match::OrderView> TxOrderIndex::by_accession(std::string_view accession) const {
  if (accession.empty()) return {};
  store::OrderFilter f;
  f.accession = std::string(accession);
  return query(f);
}

std::vector<match::OrderView> TxOrderIndex::by_study_uid(std::string_view study_instance_uid) const {
  if (study_instance_uid.empty()) return {};
  store::OrderFilter f;
  f.study_uid = std::string(study_instance_uid);
  return query(f);
}

std::vector<match::OrderView> TxOrderIndex::by_patient(const match::PatientKey& patient) const {
  if (patient.id.empty()) return {};
  store::OrderFilter f;
  f.patient_mrn = patient.id;
  f.patient_issuer = patient.issuer;
  return query(f);
}

Result<match::Decision> decide(store::Tx& tx, const match::StudyView& subject, const FlowContext& context) {
  // An identifier an A40 retired stands for the patient it was merged into: a report or study
  // from a system that has not heard of the merge still belongs to the survivor.
  auto resolved = subject;
  for (int hops = 0; hops < 8 && !resolved.patient.id.empty(); ++hops) {
    auto patient = tx.find_patient(resolved.patient.id, resolved.patient.issuer);
    if (!patient) return patient.error();
    if (!patient->has_value() || (*patient)->merged_into_mrn.empty()) break;
    resolved.patient = {(*patient)->merged_into_mrn, (*patient)->merged_into_issuer};
  }
  TxOrderIndex index(tx);
  const auto& sabotage = context.config().sabotage;
  if (sabotage.link_on_accession || sabotage.trust_study_uid) {
    const auto found = sabotage.trust_study_uid ? index.by_study_uid(resolved.study_instance_uid)
                                                : index.by_accession(resolved.accession);
    if (index.failed()) return *index.failed();
    if (!found.empty()) {
      match::Decision naive;
      naive.kind = match::Decision::Kind::link;
      naive.reason =
          sabotage.trust_study_uid ? match::Reason::study_uid_from_order : match::Reason::exact_patient_and_accession;
      naive.order_id = found.front().order_id;
      naive.explanation = "linked without looking further (sabotage)";
      return naive;
    }
  }
  auto decision = match::decide(resolved, index, context.config().match);
  if (index.failed()) return *index.failed();
  return decision;
}

Result<std::optional<store::OrderRecord>> find_order(store::Tx& tx, std::int64_t id) { return tx.find_order(id); }

Result<void> mark(store::Tx& tx, const std::string& accession, const char* stage, store::Millis at) {
  return tx.mark_landing(accession, stage, at);
}

Result<store::ReviewRecord> open_review(store::Tx& tx, const std::string& kind, const std::string& subject,
                                        const match::Decision& decision, const match::StudyView& evidence) {
  // One open item per subject: deciding again refreshes it instead of opening another.
  auto existing = tx.reviews(store::ReviewRecord::State::open, subject, 1);
  if (!existing) return existing.error();
  store::ReviewRecord item = existing->empty() ? store::ReviewRecord{} : existing->front();
  nlohmann::json candidates = nlohmann::json::array();
  for (const auto& c : decision.candidates) {
    nlohmann::json candidate{{"order_id", c.order_id}, {"score", c.score}, {"why", c.why}};
    if (auto order = tx.find_order(order_id_of(c.order_id)); order && order->has_value()) {
      candidate["accession"] = (*order)->accession;
      candidate["placer"] = (*order)->placer;
      candidate["patient_id"] = (*order)->patient_mrn;
      candidate["issuer"] = (*order)->patient_issuer;
      candidate["procedure"] = (*order)->procedure_text;
      candidate["scheduled"] = (*order)->scheduled;
    }
    candidates.push_back(std::move(candidate));
  }
  const nlohmann::json proof{{"patient_id", evidence.patient.id}, {"issuer", evidence.patient.issuer},
                             {"accession", evidence.accession},   {"study_uid", evidence.study_instance_uid},
                             {"modality", evidence.modality},     {"study_date", evidence.study_date},
                             {"source", evidence.source}};
  const bool is_new = item.id == 0;
  item.kind = kind;
  item.subject = subject;
  item.reason = std::string(match::to_string(decision.reason));
  item.explanation = decision.explanation;
  item.evidence = proof.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  item.candidates = candidates.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  if (is_new) item.opened_at = FlowContext::now();
  if (auto r = tx.put_review(item); !r) return r.error();
  if (is_new) {
    if (auto r = tx.add_audit({item.opened_at, "radloop", "open", "review " + std::to_string(item.id),
                               item.reason + ": " + item.explanation});
        !r)
      return r.error();
  }
  return item;
}

Result<void> settle_study(store::Tx& tx, store::StudyRecord& study, const match::Decision& decision,
                          const Sabotage& sabotage) {
  const auto now = FlowContext::now();
  if (sabotage.drop_unmatched && decision.kind != match::Decision::Kind::link) return {};
  study.reason = std::string(match::to_string(decision.reason));
  study.updated_at = now;
  switch (decision.kind) {
    case match::Decision::Kind::link: {
      auto order = tx.find_order(order_id_of(decision.order_id));
      if (!order) return order.error();
      if (!order->has_value()) return Error{Errc::internal, "order " + decision.order_id, "the decided order vanished"};
      auto o = **order;
      study.state = store::StudyRecord::State::linked;
      study.order_id = o.id;
      if (o.study_uid.empty()) {
        o.study_uid = study.study_uid;
        o.updated_at = now;
        if (auto r = tx.put_order(o, "study " + study.study_uid); !r) return r;
      }
      if (auto r = mark(tx, o.accession, "images_received", study.received_at); !r) return r;
      if (auto r = mark(tx, o.accession, "reconciled", now); !r) return r;
      break;
    }
    case match::Decision::Kind::review: {
      study.state = store::StudyRecord::State::review;
      study.order_id = 0;
      if (auto r = open_review(tx, "study", study.study_uid, decision, view_of(study)); !r) return r.error();
      if (auto r = mark(tx, study.accession, "images_received", study.received_at); !r) return r;
      break;
    }
    case match::Decision::Kind::pending:
      study.state = store::StudyRecord::State::pending;
      study.order_id = 0;
      if (auto r = mark(tx, study.accession, "images_received", study.received_at); !r) return r;
      break;
  }
  return tx.put_study(study);
}

Result<bool> enqueue(store::Tx& tx, const char* destination, const std::string& subject, FlowContext& context,
                     const std::function<std::string(const Stamp&)>& build) {
  const auto& config = context.config();
  const auto& target = std::string_view(destination) == kRis ? config.ris : config.ehr;
  if (!target) return false;
  const auto stamp = context.stamp_for(*target);
  store::OutboxRecord message;
  message.destination = destination;
  message.control_id = stamp.control_id;
  message.payload = build(stamp);
  message.subject = subject;
  message.queued_at = FlowContext::now();
  message.next_attempt = message.queued_at;
  if (auto r = tx.put_outbound(message); !r) return r.error();
  return true;
}

Result<bool> deliver_report(store::Tx& tx, const store::ReportRecord& record, const store::OrderRecord& order,
                            FlowContext& context) {
  auto content = report::parse_report(record.body);
  if (!content) return content.error();
  const auto& sabotage = context.config().sabotage;
  if (sabotage.cut_at_line_break) {
    for (auto& section : content->sections) section.text = section.text.substr(0, section.text.find('\n'));
  }
  if (sabotage.drop_addendum_text) {
    for (auto& addendum : content->addenda) addendum.text.clear();
  }
  std::string study_uid = order.study_uid;
  if (study_uid.empty()) study_uid = content->study_instance_uid;
  auto addressed = order;
  if (sabotage.report_to_previous_patient) {
    // The engine's cached PID from the last report leaks into this one.
    auto previous = context.previous_report_patient({order.patient_mrn, order.patient_issuer});
    if (!previous.first.empty()) std::tie(addressed.patient_mrn, addressed.patient_issuer) = previous;
  }
  if (auto r = mark(tx, order.accession, "reported", record.received_at); !r) return r.error();
  return enqueue(tx, kEhr, order.accession, context,
                 [&](const Stamp& stamp) { return oru_message(*content, addressed, study_uid, stamp); });
}

Result<Applied> tie_report(store::Tx& tx, store::ReportRecord& record, const report::Report& report,
                           const std::string& source, FlowContext& context) {
  const match::StudyView subject{
      {match::normalise_patient_id(report.patient_id, source, context.config().match), report.issuer},
      record.accession,
      report.study_instance_uid,
      report.modality,
      report.observation_time.substr(0, std::min<std::size_t>(8, report.observation_time.size())),
      source};
  auto decision = decide(tx, subject, context);
  if (!decision) return decision.error();
  Applied applied;
  if (decision->kind == match::Decision::Kind::link) {
    auto order = tx.find_order(order_id_of(decision->order_id));
    if (!order) return order.error();
    if (!order->has_value()) return Error{Errc::internal, "order " + decision->order_id, "the decided order vanished"};
    const auto& sabotage = context.config().sabotage;
    if (sabotage.reports_need_images && (*order)->study_uid.empty()) {
      record.order_id = 0;
      if (auto r = tx.put_report(record); !r) return r.error();
      applied.outcome = "report waits for its images (sabotage)";
      return applied;
    }
    if (sabotage.names_must_agree) {
      auto patient = tx.find_patient((*order)->patient_mrn, (*order)->patient_issuer);
      if (!patient) return patient.error();
      if (patient->has_value() && !same_family_and_given((*patient)->name, report.patient_name)) {
        record.order_id = 0;
        if (auto r = tx.put_report(record); !r) return r.error();
        applied.outcome = "report held: its patient name is not the registry's (sabotage)";
        return applied;
      }
    }
    record.order_id = (*order)->id;
    if (auto r = tx.put_report(record); !r) return r.error();
    if (sabotage.first_report_only && record.version > 1) {
      applied.outcome = "a later version is not forwarded (sabotage)";
      return applied;
    }
    auto queued = deliver_report(tx, record, **order, context);
    if (!queued) return queued.error();
    applied.queued = *queued;
    applied.outcome = fmt::format("report {} v{} ({}) tied to order {} ({}){}", record.accession, record.version,
                                  record.status, (*order)->placer, match::to_string(decision->reason),
                                  *queued ? ", queued for the EHR" : ", no EHR configured");
    return applied;
  }
  if (context.config().sabotage.refuse_unknown_reports && TxOrderIndex(tx).by_accession(record.accession).empty()) {
    applied.refusal = Error{Errc::not_found, "OBR-3", "no order has accession " + record.accession + " (sabotage)"};
    return applied;
  }
  if (context.config().sabotage.chart_unknown_reports && TxOrderIndex(tx).by_accession(record.accession).empty()) {
    // The order the report names, as if it existed: the patient and accession it says.
    store::OrderRecord named;
    named.accession = record.accession;
    named.filler = record.accession;
    named.patient_mrn = report.patient_id;
    named.patient_issuer = report.issuer;
    named.modality = report.modality;
    record.order_id = 0;
    if (auto r = tx.put_report(record); !r) return r.error();
    auto queued = deliver_report(tx, record, named, context);
    if (!queued) return queued.error();
    applied.queued = *queued;
    applied.outcome = "report for an unknown order forwarded as it came (sabotage)";
    return applied;
  }
  record.order_id = 0;
  if (auto r = tx.put_report(record); !r) return r.error();
  if (decision->kind == match::Decision::Kind::review) {
    auto item = open_review(tx, "report", "report " + std::to_string(record.id), *decision, subject);
    if (!item) return item.error();
    applied.outcome =
        fmt::format("report {} v{} held for review {} ({})", record.accession, record.version, item->id, item->reason);
  } else {
    applied.outcome = fmt::format("report {} v{} waits for its order", record.accession, record.version);
  }
  return applied;
}

Result<Applied> reconcile_waiting(store::Tx& tx, const store::OrderRecord& order, FlowContext& context) {
  Applied applied;
  int studies = 0;
  int reports = 0;
  // Studies that wait (pending) with this accession or this order's Study UID.
  std::vector<store::StudyRecord> waiting;
  for (const auto& key : {std::pair{order.accession, std::string()}, std::pair{std::string(), order.study_uid}}) {
    if (key.first.empty() && key.second.empty()) continue;
    store::StudyFilter f;
    f.accession = key.first;
    f.study_uid = key.second;
    f.state = store::StudyRecord::State::pending;
    auto found = tx.studies(f);
    if (!found) return found.error();
    for (auto& s : *found) {
      if (std::none_of(waiting.begin(), waiting.end(), [&](const auto& w) { return w.study_uid == s.study_uid; })) {
        waiting.push_back(std::move(s));
      }
    }
  }
  for (auto& study : waiting) {
    auto decision = decide(tx, view_of(study), context);
    if (!decision) return decision.error();
    if (decision->kind == match::Decision::Kind::pending) continue;
    if (auto r = settle_study(tx, study, *decision, context.config().sabotage); !r) return r.error();
    ++studies;
  }
  if (!order.accession.empty()) {
    store::ReportFilter f;
    f.accession = order.accession;
    auto found = tx.reports(f);
    if (!found) return found.error();
    for (auto& record : *found) {
      if (record.order_id != 0) continue;
      auto open = tx.reviews(std::nullopt, "report " + std::to_string(record.id), 1);
      if (!open) return open.error();
      if (!open->empty()) continue;  // a person decides this one
      auto content = report::parse_report(record.body);
      if (!content) return content.error();
      auto tied = tie_report(tx, record, *content, "", context);
      if (!tied) return tied.error();
      applied.queued = applied.queued || tied->queued;
      ++reports;
    }
  }
  if (studies > 0 || reports > 0) {
    applied.outcome = fmt::format("; {} waiting studies and {} waiting reports decided again", studies, reports);
  }
  return applied;
}

}  // namespace support
}  // namespace radloop::pipeline
