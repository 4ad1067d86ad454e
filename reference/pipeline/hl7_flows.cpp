// The HL7 flows: ADT into the patient registry, orders between EHR, store and RIS, and ORU
// reports tied to their orders and routed to the EHR.
#include <fmt/format.h>

#include "reference/hl7/segments.hpp"
#include "reference/pipeline/flow_support.hpp"
#include "reference/report/oru.hpp"
#include "reference/report/report_json.hpp"

namespace radloop::pipeline {
namespace {

std::string joined_name(const hl7::PersonName& name) {
  std::string out = name.family;
  if (!name.given.empty() || !name.middle.empty()) out += "^" + name.given;
  if (!name.middle.empty()) out += "^" + name.middle;
  return out;
}

std::string sender_of(const hl7::Message& message) {
  const auto msh = hl7::first<hl7::Msh>(message);
  return msh ? msh->sending_application() : std::string();
}

// The patient a PID names, its ID normalised by the sender's rules; empty MRN when there is none.
store::PatientRecord patient_of(const hl7::Pid& pid, const std::string& source, const FlowContext& context) {
  store::PatientRecord p;
  const auto ids = pid.identifiers();
  if (!ids.empty()) {
    p.mrn = match::normalise_patient_id(ids.front().id, source, context.config().match);
    p.issuer = ids.front().authority;
  }
  p.name = joined_name(pid.name());
  p.birth_date = pid.birth_date();
  p.sex = pid.sex();
  p.updated_at = FlowContext::now();
  return p;
}

// The order as the message describes it (identifiers, procedure, schedule), without its status.
struct OrderFields {
  std::string control;       // ORC-1
  std::string order_status;  // ORC-5
  store::OrderRecord order;
};

Result<OrderFields> order_fields(const hl7::Message& message, const std::string& source, const FlowContext& context) {
  const auto orc = hl7::first<hl7::Orc>(message);
  const auto obr = hl7::first<hl7::Obr>(message);
  if (!orc) return Error{Errc::hl7_required_missing, "ORC", "an order message needs ORC (order control, numbers)"};
  OrderFields f;
  f.control = orc->order_control();
  f.order_status = orc->order_status();
  auto& o = f.order;
  o.placer = orc->placer_order_number().id;
  o.filler = orc->filler_order_number().id;
  if (obr) {
    if (o.placer.empty()) o.placer = obr->placer_order_number().id;
    if (o.filler.empty()) o.filler = obr->filler_order_number().id;
    const auto service = obr->universal_service();
    o.procedure_code = service.code;
    o.procedure_text = service.text;
    o.procedure_system = service.system;
    o.modality = obr->diagnostic_service_section();
    o.scheduled = obr->scheduled_date_time();
    o.referring = joined_name(obr->ordering_provider());
  }
  o.accession = accession_of(message);
  if (const auto tq1 = hl7::first<hl7::Tq1>(message); tq1 && !tq1->start_date_time().empty()) {
    o.scheduled = tq1->start_date_time();
  }
  if (const auto ipc = hl7::first<hl7::Ipc>(message)) {
    if (o.modality.empty()) o.modality = ipc->modality();
    const auto stations = ipc->scheduled_station_ae_titles();
    if (!stations.empty()) o.station_ae = stations.front();
    if (o.study_uid.empty()) o.study_uid = ipc->study_instance_uid();
  }
  if (const auto zds = hl7::first<hl7::Zds>(message); zds && !context.config().sabotage.ignore_zds) {
    o.study_uid = zds->study_instance_uid();
  }
  if (const auto pid = hl7::first<hl7::Pid>(message)) {
    const auto p = patient_of(*pid, source, context);
    o.patient_mrn = p.mrn;
    o.patient_issuer = p.issuer;
  }
  if (f.control.empty()) return Error{Errc::hl7_required_missing, "ORC-1", "the order control code is empty"};
  if (o.placer.empty() && o.filler.empty()) {
    return Error{Errc::hl7_required_missing, "ORC-2", "an order needs a placer (ORC-2) or filler (ORC-3) number"};
  }
  if (o.patient_mrn.empty()) return Error{Errc::hl7_required_missing, "PID-3", "the order names no patient"};
  return f;
}

// The status an order takes from a control code (HL7 table 0119) and ORC-5.
std::string next_status(const std::string& control, const std::string& order_status, const std::string& current) {
  if (control == "CA" || control == "OC" || control == "CR") return "CA";
  if (control == "DC" || control == "OD") return "DC";
  if (!order_status.empty()) return order_status;
  if (control == "SC") return current.empty() ? "SC" : current;
  if (control == "NW") return current.empty() ? "NW" : current;
  return current.empty() ? "NW" : current;  // XO and the rest change details, not the status
}

Result<std::optional<store::OrderRecord>> existing_order(store::Tx& tx, const store::OrderRecord& incoming) {
  store::OrderFilter f;
  if (!incoming.placer.empty()) {
    f.placer = incoming.placer;
  } else {
    f.accession = incoming.accession;
  }
  auto found = tx.orders(f);
  if (!found) return found.error();
  if (found->empty()) return std::optional<store::OrderRecord>{};
  return std::optional<store::OrderRecord>{found->front()};
}

}  // namespace

std::string accession_of(const hl7::Message& message) {
  const auto obr = hl7::first<hl7::Obr>(message);
  if (obr && !obr->placer_field_1().empty()) return obr->placer_field_1();
  if (const auto ipc = hl7::first<hl7::Ipc>(message); ipc && !ipc->accession().id.empty()) return ipc->accession().id;
  if (const auto orc = hl7::first<hl7::Orc>(message); orc && !orc->filler_order_number().id.empty()) {
    return orc->filler_order_number().id;
  }
  return obr ? obr->filler_order_number().id : std::string();
}

Result<Applied> apply_adt(store::Tx& tx, const hl7::Message& message, FlowContext& context) {
  const auto type = hl7::message_type(message);
  const auto pid = hl7::first<hl7::Pid>(message);
  if (!pid) return Applied{"", Error{Errc::hl7_required_missing, "PID", "an ADT message needs PID"}};
  const auto source = sender_of(message);
  auto patient = patient_of(*pid, source, context);
  if (patient.mrn.empty()) return Applied{"", Error{Errc::hl7_required_missing, "PID-3", "the patient has no ID"}};

  if (type.trigger == "A40" || type.trigger == "A34" || type.trigger == "A18") {
    const auto mrg = hl7::first<hl7::Mrg>(message);
    const auto prior = mrg ? mrg->prior_identifiers() : std::vector<hl7::Identifier>{};
    if (prior.empty() || prior.front().id.empty()) {
      return Applied{"", Error{Errc::hl7_required_missing, "MRG-1", "a merge needs the prior patient ID"}};
    }
    if (context.config().sabotage.ignore_merges) return Applied{"merge ignored (sabotage)", std::nullopt, false};
    store::PatientRecord merged;
    merged.mrn = match::normalise_patient_id(prior.front().id, source, context.config().match);
    merged.issuer = prior.front().authority.empty() ? patient.issuer : prior.front().authority;
    auto known = tx.find_patient(merged.mrn, merged.issuer);
    if (!known) return known.error();
    if (known->has_value()) merged = **known;
    merged.updated_at = patient.updated_at;
    auto moved = tx.merge_patient(merged, patient);
    if (!moved) return moved.error();
    const auto detail =
        fmt::format("{}^{} into {}^{}: {} orders, {} studies, {} reports moved", merged.mrn, merged.issuer, patient.mrn,
                    patient.issuer, moved->orders, moved->studies, moved->reports);
    if (auto r = tx.add_audit({patient.updated_at, source, "merge", "patient " + patient.mrn, detail}); !r) {
      return r.error();
    }
    return Applied{"merged " + detail, std::nullopt, false};
  }
  if (auto r = tx.put_patient(patient); !r) return r.error();
  return Applied{fmt::format("patient {}^{} {} ({})", patient.mrn, patient.issuer,
                             type.trigger == "A08" || type.trigger == "A31" ? "updated" : "registered", type.name()),
                 std::nullopt, false};
}

Result<Applied> apply_order(store::Tx& tx, const hl7::Message& message, bool from_ris, FlowContext& context) {
  const auto source = sender_of(message);
  auto fields = order_fields(message, source, context);
  if (!fields) return Applied{"", fields.error()};
  const auto now = FlowContext::now();
  if (const auto pid = hl7::first<hl7::Pid>(message)) {
    // The registry learns demographics from orders too: a missed A04 must not hide a patient.
    auto patient = patient_of(*pid, source, context);
    auto known = tx.find_patient(patient.mrn, patient.issuer);
    if (!known) return known.error();
    if (!known->has_value() || (*known)->name.empty()) {
      if (auto r = tx.put_patient(patient); !r) return r.error();
    }
  }
  auto existing = existing_order(tx, fields->order);
  if (!existing) return existing.error();
  store::OrderRecord order = existing->value_or(store::OrderRecord{});
  const bool is_new = order.id == 0;
  const auto previous_status = order.status;
  const auto previous_accession = order.accession;
  {
    // The message's fields over what was known; a field the message leaves empty keeps its value.
    const auto& in = fields->order;
    const auto take = [](std::string& field, const std::string& value) {
      if (!value.empty()) field = value;
    };
    take(order.placer, in.placer);
    take(order.filler, in.filler);
    take(order.accession, in.accession);
    take(order.patient_mrn, in.patient_mrn);
    take(order.patient_issuer, in.patient_issuer);
    take(order.procedure_code, in.procedure_code);
    take(order.procedure_system, in.procedure_system);
    take(order.procedure_text, in.procedure_text);
    take(order.modality, in.modality);
    take(order.scheduled, in.scheduled);
    take(order.station_ae, in.station_ae);
    take(order.referring, in.referring);
    take(order.study_uid, in.study_uid);
  }
  order.status = next_status(fields->control, fields->order_status, is_new ? "" : previous_status);
  order.updated_at = now;
  Applied applied;
  std::vector<store::OrderRecord> colliding;
  if (from_ris && !order.accession.empty() && order.accession != previous_accession) {
    support::TxOrderIndex index(tx);
    for (const auto& other : match::accession_collisions(support::view_of(order), index)) {
      if (other.order_id == support::order_key(order.id)) continue;
      auto o = tx.find_order(std::stoll(other.order_id));
      if (!o) return o.error();
      if (o->has_value()) colliding.push_back(**o);
    }
    if (index.failed()) return *index.failed();
    order.collision = !colliding.empty();
  }
  const auto detail =
      fmt::format("ORM {} from {} (control {})", fields->control, source, hl7::first<hl7::Msh>(message)->control_id());
  if (auto r = tx.put_order(order, detail); !r) return r.error();
  for (auto& other : colliding) {
    other.collision = true;
    other.updated_at = now;
    if (auto r = tx.put_order(other, "accession collision with order " + order.placer); !r) return r.error();
  }
  applied.outcome = fmt::format("order {} {} ({})", order.placer.empty() ? order.filler : order.placer,
                                is_new ? "created" : "updated", order.status);
  if (!colliding.empty()) {
    applied.outcome += fmt::format("; accession {} collides with {} other order(s)", order.accession, colliding.size());
  }

  const auto& sabotage = context.config().sabotage;
  if ((order.status == "CA" && sabotage.cancel_drops_images) || (fields->control == "XO" && sabotage.change_unlinks)) {
    store::StudyFilter linked;
    linked.order_id = order.id;
    auto studies = tx.studies(linked);
    if (!studies) return studies.error();
    for (auto& s : *studies) {
      s.state = order.status == "CA" ? store::StudyRecord::State::rejected : store::StudyRecord::State::pending;
      s.order_id = 0;
      if (auto r = tx.put_study(s); !r) return r.error();
    }
  }
  if (!from_ris) {
    // The EHR's order goes on to the RIS, which assigns the accession.
    auto queued = support::enqueue(tx, kRis, order.accession, context, [&](const Stamp& stamp) {
      auto forwarded = restamp(message.serialize(), stamp);
      return forwarded ? forwarded.value() : message.serialize();
    });
    if (!queued) return queued.error();
    applied.queued = *queued;
    applied.outcome += *queued ? ", forwarded to the RIS" : ", no RIS configured";
    return applied;
  }
  if (!order.accession.empty()) {
    auto history = tx.order_history(order.id);
    if (!history) return history.error();
    const auto ordered_at = history->empty() ? now : history->front().at;
    if (auto r = support::mark(tx, order.accession, "ordered", ordered_at); !r) return r.error();
    if (auto r = support::mark(tx, order.accession, "accessioned", now); !r) return r.error();
    if (order.status == "SC" || !order.scheduled.empty()) {
      if (auto r = support::mark(tx, order.accession, "scheduled", now); !r) return r.error();
    }
  }
  if (order.status != "CA" && order.status != "DC" && !sabotage.never_recheck) {
    auto waiting = support::reconcile_waiting(tx, order, context);
    if (!waiting) return waiting.error();
    applied.outcome += waiting->outcome;
    applied.queued = applied.queued || waiting->queued;
  }
  return applied;
}

Result<Applied> apply_oru(store::Tx& tx, const hl7::Message& message, FlowContext& context) {
  auto content = report::report_from_oru(message);
  if (!content) return Applied{"", content.error()};
  store::ReportRecord record;
  record.accession = content->accession.empty() ? content->filler_order : content->accession;
  if (record.accession.empty()) {
    return Applied{"", Error{Errc::hl7_required_missing, "OBR-18",
                             "the report names no accession (OBR-18) or filler order number (OBR-3)"}};
  }
  const auto source = sender_of(message);
  record.patient_mrn = match::normalise_patient_id(content->patient_id, source, context.config().match);
  record.patient_issuer = content->issuer;
  record.status = std::string(report::to_string(content->status));
  record.kind = "oru";
  record.control_id = content->control_id;
  record.body = report::dump(*content);
  record.received_at = FlowContext::now();
  return support::tie_report(tx, record, *content, source, context);
}

}  // namespace radloop::pipeline
