// The EHR simulator (see ehr.hpp).
#include "simulators/ehr/ehr.hpp"

#include "reference/hl7/parser.hpp"
#include "reference/hl7/segments.hpp"

namespace radloop::ehr {
namespace {

std::string pid(const Patient& p) {
  return "PID|1||" + p.mrn + "^^^" + p.issuer + "^MR||" + p.family + "^" + p.given + "||" + p.birth_date + "|" + p.sex +
         "\r";
}

}  // namespace

Result<std::unique_ptr<Ehr>> Ehr::start(hl7sim::PeerConfig config) {
  if (config.actor.empty() || config.actor == "ehr") config.actor = "ehr";
  auto peer = hl7sim::Peer::start(std::move(config));
  if (!peer) return peer.error();
  return std::unique_ptr<Ehr>(new Ehr(std::move(peer).value()));
}

std::string Ehr::header(const std::string& type) {
  const auto& c = peer_->config();
  std::string msh = "MSH|^~\\&|";
  msh += c.application + "|" + c.facility + "|RADLOOP|RADIOLOGY|" + peer_->next_timestamp() + "||" + type + "|" +
         peer_->next_control_id() + "|P|2.5.1\r";
  return msh;
}

std::string Ehr::adt_message(const Patient& patient, const std::string& trigger, const Patient* prior) {
  std::string m = header("ADT^" + trigger);
  m += "EVN|" + trigger + "|" + peer_->next_timestamp() + "\r";
  m += pid(patient);
  if (prior != nullptr) m += "MRG|" + prior->mrn + "^^^" + prior->issuer + "^MR\r";
  m += "PV1|1|O\r";
  return m;
}

std::string Ehr::order_message(const Order& order, const std::string& control) {
  std::string m = header("ORM^O01");
  m += pid(order.patient);
  m += "ORC|" + control + "|" + order.placer + "|||" + (control == "CA" ? "CA" : "SC") + "\r";
  m += "OBR|1|" + order.placer + "||" + order.procedure_code + "^" + order.procedure_text + "^" + order.coding_system +
       "||||||||||||||||||||" + order.modality;
  if (!order.scheduled.empty()) m += "||||||||||||" + order.scheduled;  // OBR-25..35 empty, then OBR-36
  m += "\r";
  return m;
}

hl7sim::SendResult Ehr::register_patient(const Patient& patient, const std::string& trigger) {
  return peer_->send(adt_message(patient, trigger), {patient.mrn, "", "", ""});
}

hl7sim::SendResult Ehr::merge(const Patient& survivor, const Patient& prior) {
  return peer_->send(adt_message(survivor, "A40", &prior), {survivor.mrn, "", "", ""});
}

hl7sim::SendResult Ehr::order(const Order& order, const std::string& control) {
  return peer_->send(order_message(order, control), {order.patient.mrn, order.placer, "", ""});
}

ChartEntry chart_entry(const std::string& er7) {
  ChartEntry e;
  auto parsed = hl7::parse(er7);
  if (!parsed) return e;
  if (const auto msh = hl7::first<hl7::Msh>(*parsed)) e.control_id = msh->control_id();
  if (const auto pid = hl7::first<hl7::Pid>(*parsed)) {
    const auto ids = pid->identifiers();
    if (!ids.empty()) {
      e.patient_id = ids.front().id;
      e.issuer = ids.front().authority;
    }
    const auto name = pid->name();
    e.patient_name = name.family + "^" + name.given;
  }
  if (const auto obr = hl7::first<hl7::Obr>(*parsed)) {
    e.accession = obr->placer_field_1().empty() ? obr->filler_order_number().id : obr->placer_field_1();
    e.placer = obr->placer_order_number().id;
    e.status = obr->result_status();
  }
  if (const auto zds = hl7::first<hl7::Zds>(*parsed)) e.study_instance_uid = zds->study_instance_uid();
  for (const auto& obx : hl7::all<hl7::Obx>(*parsed)) {
    if (obx.value_type() == "ED") continue;  // a document, not text
    if (!e.text.empty()) e.text += '\n';
    e.text += obx.text();
  }
  return e;
}

std::vector<ChartEntry> Ehr::chart() const {
  std::vector<ChartEntry> out;
  for (const auto& r : peer_->received()) {
    if (!r.message_type.starts_with("ORU")) continue;
    auto e = chart_entry(r.payload);
    e.answered = r.answered;
    e.kept = hl7sim::kept(r);
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace radloop::ehr
