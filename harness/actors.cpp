// Actor steps against the EHR and RIS simulators (see actors.hpp).
#include "harness/actors.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <thread>
#include <tuple>

#include "reference/hl7/ack.hpp"

namespace radloop::harness {
namespace {

ehr::Patient patient_of(const PatientSpec& p) {
  return ehr::Patient{p.mrn, p.issuer, p.family, p.given, p.birth_date, p.sex};
}

// A message an actor sent, as hl7_send records it, so the loss and idempotence checkers see it.
Operation record_send(std::size_t index, const Step& step, const std::string& sender, const hl7sim::SendResult& sent,
                      const nlohmann::json& truth, History& history) {
  history.append(step.name, OpType::invoke, "hl7_send",
                 {{"step", index}, {"sender", sender}, {"control_id", sent.control_id}, {"truth", truth}});
  if (sent.ack == "none") {
    // Refused at connect: certainly not kept. Otherwise it may or may not have been: unknown.
    nlohmann::json value{{"step", index}, {"ack", "none"}, {"error", sent.error}};
    if (!sent.acknowledged_id.empty()) value["acknowledged_id"] = sent.acknowledged_id;
    return history.append(step.name, sent.not_sent ? OpType::fail : OpType::info, "hl7_send", value);
  }
  return history.append(
      step.name, hl7::is_accepted(sent.ack) ? OpType::ok : OpType::fail, "hl7_send",
      {{"step", index}, {"ack", sent.ack}, {"acknowledged_id", sent.control_id}, {"text", sent.text}});
}

std::string sender_of(hl7sim::Peer& peer) { return peer.config().application + "^" + peer.config().facility; }

const ris::HeldOrder* held(const std::vector<ris::HeldOrder>& orders, const std::string& placer) {
  for (const auto& o : orders) {
    if (o.placer == placer) return &o;
  }
  return nullptr;
}

// Steps that only change how a simulator behaves: an invoke and an ok completion.
Operation note(std::size_t index, const Step& step, const std::string& f, nlohmann::json what, History& history) {
  what["step"] = index;
  history.append(step.name, OpType::invoke, f, what);
  return history.append(step.name, OpType::ok, f, {{"step", index}});
}

}  // namespace

nlohmann::json report_truth(const Actors& actors, const ris::HeldOrder& order, const std::string& status,
                            const std::string& text, bool addendum) {
  const auto patient = actors.patient_of_order(order.placer);
  nlohmann::json truth{{"patient_id", patient ? patient->mrn : order.patient_id},
                       {"issuer", patient ? patient->issuer : order.issuer},
                       {"placer_order", order.placer},
                       {"accession", order.accession},
                       {"report_status", status},
                       {"addendum", addendum}};
  if (!text.empty()) truth["text"] = text;
  // Placed through a literal message, not a step: the RIS's record of the order is the truth.
  if (!patient) truth["source"] = "the RIS's record of order " + order.placer;
  return truth;
}

bool eventually(std::chrono::milliseconds within, const std::function<bool()>& done) {
  const auto until = std::chrono::steady_clock::now() + within;
  // Look often at first (time-to-land figures are only as fine as this), then every 20 ms.
  auto pause = std::chrono::milliseconds(1);
  while (!done()) {
    if (std::chrono::steady_clock::now() >= until) return false;
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::milliseconds(20));
  }
  return true;
}

void Actors::remember(const AcquiredStudy& study) {
  std::lock_guard lock(*studies_mutex_);
  studies_[study.label] = study;
}

std::optional<AcquiredStudy> Actors::study(const std::string& label) const {
  std::lock_guard lock(*studies_mutex_);
  const auto it = studies_.find(label);
  return it == studies_.end() ? std::nullopt : std::optional<AcquiredStudy>(it->second);
}

std::optional<AcquiredStudy> Actors::study_of_order(const std::string& placer) const {
  std::lock_guard lock(*studies_mutex_);
  std::optional<AcquiredStudy> found;
  for (const auto& [label, s] : studies_) {
    if (s.placer == placer) found = s;
  }
  return found;
}

void Actors::ordered(const std::string& placer, const PatientSpec& patient, const std::string& scheduled) {
  std::lock_guard lock(*studies_mutex_);
  orders_[placer] = {patient, scheduled};
}

std::optional<PatientSpec> Actors::patient_of_order(const std::string& placer) const {
  std::lock_guard lock(*studies_mutex_);
  const auto it = orders_.find(placer);
  return it == orders_.end() ? std::nullopt : std::optional<PatientSpec>(it->second.first);
}

std::string Actors::scheduled_for(const std::string& placer) const {
  std::lock_guard lock(*studies_mutex_);
  const auto it = orders_.find(placer);
  return it == orders_.end() ? std::string() : it->second.second;
}

Result<Actors> Actors::start(const Scenario& scenario, std::uint16_t ris_port, std::uint16_t ehr_port) {
  const auto seed = scenario.seed;
  Actors actors;
  actors.seed = seed;
  actors.scenario_links_ = {scenario.links.begin(), scenario.links.end()};
  actors.id_suffix = scenario.id_suffix;
  actors.scratch = std::make_unique<ScratchDir>();
  if (actors.scratch->path().empty())
    return Error{Errc::io_failed, "temporary folder", "cannot create a scratch folder"};
  for (const auto& m : scenario.modalities) actors.modalities[m.name] = m;
  const auto linked = [&](const char* name) {
    return std::find(scenario.links.begin(), scenario.links.end(), name) != scenario.links.end();
  };
  hl7sim::PeerConfig ehr_config;
  ehr_config.seed = seed;
  // With a link in front, the proxy takes the port the system sends to; the simulator any other.
  ehr_config.listen_port = linked("system_to_ehr") ? 0 : ehr_port;
  auto e = ehr::Ehr::start(ehr_config);
  if (!e) return e.error();
  actors.ehr = std::move(e).value();
  hl7sim::PeerConfig ris_config;
  ris_config.seed = seed;
  ris_config.listen_port = linked("system_to_ris") ? 0 : ris_port;
  ris::RisOptions options;
  if (scenario.ris_study_uids) options.uid_root = "1.2.826.0.1.3680043.10.1";
  if (scenario.ris_schedules_stations) {
    for (const auto& m : scenario.modalities) options.stations.emplace(m.modality, m.ae_title);  // the first
  }
  options.accession_suffix = scenario.id_suffix;
  auto r = ris::Ris::start(ris_config, options);
  if (!r) return r.error();
  actors.ris = std::move(r).value();
  const std::pair<const char*, std::pair<std::uint16_t, std::uint16_t>> inbound[] = {
      {"system_to_ehr", {actors.ehr->peer().port(), ehr_port}},
      {"system_to_ris", {actors.ris->peer().port(), ris_port}}};
  for (const auto& [name, ports] : inbound) {
    if (!linked(name)) continue;
    auto proxy = link::Proxy::start(name, "127.0.0.1", ports.first, ports.second);
    if (!proxy) return proxy.error();
    actors.links[name] = std::move(proxy).value();
  }
  return actors;
}

std::uint16_t Actors::ris_port() const {
  const auto it = links.find("system_to_ris");
  return it != links.end() ? it->second->port() : ris->peer().port();
}

std::uint16_t Actors::ehr_port() const {
  const auto it = links.find("system_to_ehr");
  return it != links.end() ? it->second->port() : ehr->peer().port();
}

Result<void> Actors::connect(const Endpoints& target) {
  sut = target;
  // Whatever links the scenario declared stand between the senders and the system.
  std::uint16_t ehr_to = target.mllp_port;
  std::uint16_t ris_to = target.mllp_port;
  std::string ehr_host = target.host;
  std::string ris_host = target.host;
  const std::tuple<const char*, std::uint16_t, std::string*, std::uint16_t*> outbound[] = {
      {"ehr_to_system", target.mllp_port, &ehr_host, &ehr_to},
      {"ris_to_system", target.mllp_port, &ris_host, &ris_to},
      {"modalities_to_system", target.dicom_port, &sut.host, &sut.dicom_port}};
  for (const auto& [name, port, host, through] : outbound) {
    if (scenario_links_.count(name) == 0) continue;
    auto proxy = link::Proxy::start(name, target.host, port);
    if (!proxy) return proxy.error();
    *host = "127.0.0.1";
    *through = proxy.value()->port();
    links[name] = std::move(proxy).value();
  }
  ehr->peer().retarget(ehr_host, ehr_to);
  ris->peer().retarget(ris_host, ris_to);
  return {};
}

void record_actor_sends(Actors& actors, History& history) {
  // An order the system forwarded at the end of the run may still be on its way to the RIS.
  (void)actors.ris->wait_idle(std::chrono::milliseconds(300), std::chrono::milliseconds(5'000));
  const auto sender = sender_of(actors.ris->peer());
  std::size_t n = 0;
  for (const auto& o : actors.ris->orders()) {
    Step step;
    step.name = "RIS accessions order " + o.placer;
    step.action = RisAccessioned{o.placer};
    (void)record_send(1'000'000 + n++, step, sender, o.sent,
                      {{"patient_id", o.patient_id}, {"placer_order", o.placer}, {"accession", o.accession}}, history);
  }
}

Operation run_actor_step(std::size_t index, const Step& step, Actors* actors, SystemUnderTest& system,
                         History& history) {
  const auto f = std::string(action_name(step.action));
  if (actors == nullptr || !actors->ehr || !actors->ris) {
    history.append(step.name, OpType::invoke, f, {{"step", index}});
    return history.append(step.name, OpType::info, f,
                          {{"step", index}, {"error", "no EHR or RIS simulator is connected to this system"}});
  }
  auto& ehr = *actors->ehr;
  auto& ris = *actors->ris;
  if (!link_of(step.action).empty()) return run_link_step(index, step, *actors, history);
  if (const auto* a = std::get_if<ModalityAcquire>(&step.action)) return run_acquire(index, step, *a, *actors, history);
  if (const auto* a = std::get_if<SutStudy>(&step.action))
    return run_sut_study(index, step, *a, *actors, system, history);
  if (const auto* a = std::get_if<LoadDay>(&step.action))
    return run_load_day(index, step, *a, *actors, system, history);
  if (std::holds_alternative<RisCollide>(step.action)) {
    ris.reuse_next_accession();
    return note(index, step, f, {}, history);
  }
  if (std::holds_alternative<EhrDown>(step.action)) {
    ehr.peer().go_down();
    return note(index, step, f, {}, history);
  }
  if (std::holds_alternative<EhrUp>(step.action)) {
    history.append(step.name, OpType::invoke, f, {{"step", index}});
    auto up = ehr.peer().come_up();
    if (!up) return history.append(step.name, OpType::fail, f, {{"step", index}, {"error", up.error().message()}});
    return history.append(step.name, OpType::ok, f, {{"step", index}});
  }
  if (const auto* a = std::get_if<Acks>(&step.action)) {
    auto& peer = a->actor == "ris" ? ris.peer() : ehr.peer();
    hl7sim::AckScript script;
    const auto already = peer.received().size();
    for (std::size_t i = 0; i < a->next.size(); ++i)
      script.by_message[already + i + 1] = *hl7sim::parse_ack_behaviour(a->next[i]);
    script.otherwise = *hl7sim::parse_ack_behaviour(a->then);  // both checked when the file was read
    peer.set_script(script);
    return note(index, step, f, {{"next", a->next}, {"then", a->then}}, history);
  }
  if (const auto* u = std::get_if<RisUnknownReport>(&step.action)) {
    ris::ReportRequest request;
    request.accession = u->accession;
    request.patient_id = u->mrn;
    request.issuer = u->issuer;
    request.sections = {{"Impression", u->text}};
    const auto sent = ris.report(request);
    return record_send(index, step, sender_of(ris.peer()), sent,
                       {{"patient_id", u->mrn},
                        {"issuer", u->issuer},
                        {"accession", u->accession},
                        {"order_known", false},
                        {"report_status", "F"},
                        {"text", u->text}},
                       history);
  }

  if (const auto* a = std::get_if<EhrAdt>(&step.action)) {
    const auto patient = patient_of(a->patient);
    hl7sim::SendResult sent;
    if (a->trigger == "A40") {
      auto prior = patient;
      prior.mrn = a->merge_from;
      sent = ehr.merge(patient, prior);
    } else {
      sent = ehr.register_patient(patient, a->trigger);
    }
    nlohmann::json truth{{"patient_id", a->patient.mrn}};
    if (a->trigger == "A40") truth["merged_from"] = a->merge_from;
    return record_send(index, step, sender_of(ehr.peer()), sent, truth, history);
  }
  if (const auto* o = std::get_if<EhrOrder>(&step.action)) {
    ehr::Order order;
    order.placer = o->placer;
    order.patient = patient_of(o->patient);
    const auto first = o->procedure.find('^');
    const auto second = first == std::string::npos ? first : o->procedure.find('^', first + 1);
    order.procedure_code = o->procedure.substr(0, first);
    if (first != std::string::npos) order.procedure_text = o->procedure.substr(first + 1, second - first - 1);
    if (second != std::string::npos) order.coding_system = o->procedure.substr(second + 1);
    order.modality = o->modality;
    order.scheduled = o->scheduled;
    actors->ordered(o->placer, o->patient, o->scheduled);
    const auto sent = ehr.order(order, o->control);
    return record_send(index, step, sender_of(ehr.peer()), sent,
                       {{"patient_id", o->patient.mrn}, {"placer_order", o->placer}, {"order_control", o->control}},
                       history);
  }
  if (const auto* a = std::get_if<RisAccessioned>(&step.action)) {
    history.append(step.name, OpType::invoke, f, {{"step", index}, {"placer", a->placer}});
    std::vector<ris::HeldOrder> orders;
    const bool seen = eventually(a->within, [&] {
      orders = ris.orders();
      return held(orders, a->placer) != nullptr;
    });
    if (!seen) {
      return history.append(
          step.name, OpType::fail, f,
          {{"step", index},
           {"error", fmt::format("the RIS received no order {} within {} ms", a->placer, a->within.count())}});
    }
    const auto* o = held(orders, a->placer);
    return history.append(step.name, hl7::is_accepted(o->sent.ack) ? OpType::ok : OpType::fail, f,
                          {{"step", index},
                           {"accession", o->accession},
                           {"ack", o->sent.ack},
                           {"study_instance_uid", o->study_instance_uid}});
  }
  if (const auto* r = std::get_if<RisReport>(&step.action)) {
    if (r->form != "oru") return run_dicom_report(index, step, *r, *actors, history);
    const auto orders = ris.orders();
    const auto* o = held(orders, r->placer);
    if (o == nullptr) {
      history.append(step.name, OpType::invoke, f, {{"step", index}, {"placer", r->placer}});
      return history.append(step.name, OpType::fail, f,
                            {{"step", index}, {"error", "the RIS holds no order " + r->placer + " to report on"}});
    }
    ris::ReportRequest request;
    request.accession = o->accession;
    request.status = r->status;
    request.sections = {{"Impression", r->text}};
    request.addendum = r->addendum;
    request.raw_line_breaks = r->raw_line_breaks;
    request.with_zds = r->with_zds;
    const auto sent = ris.report(request);
    return record_send(index, step, sender_of(ris.peer()), sent,
                       report_truth(*actors, *o, r->status, r->text, r->addendum), history);
  }
  const auto& c = std::get<EhrChart>(step.action);
  history.append(step.name, OpType::invoke, f, {{"step", index}, {"placer", c.placer}, {"status", c.status}});
  const auto orders = ris.orders();
  const auto* o = held(orders, c.placer);
  const auto accession = o != nullptr ? o->accession : std::string();
  ehr::ChartEntry found;
  const bool arrived = eventually(c.within, [&] {
    for (const auto& entry : ehr.chart()) {
      if ((entry.placer == c.placer || (!accession.empty() && entry.accession == accession)) &&
          entry.status == c.status && entry.kept) {
        found = entry;
        return true;
      }
    }
    return false;
  });
  if (!arrived) {
    return history.append(step.name, OpType::fail, f,
                          {{"step", index},
                           {"found", false},
                           {"error", fmt::format("no {} report for order {} reached the EHR within {} ms", c.status,
                                                 c.placer, c.within.count())}});
  }
  return history.append(step.name, OpType::ok, f,
                        {{"step", index},
                         {"found", true},
                         {"control_id", found.control_id},
                         {"accession", found.accession},
                         {"study_instance_uid", found.study_instance_uid}});
}

}  // namespace radloop::harness
