// Modality steps: an exam through the modality simulator, what the system shows of the study
// afterwards, and reports sent as DICOM SR or encapsulated PDF (see actors.hpp).
#include <fmt/format.h>

#include <algorithm>

#include "harness/actors.hpp"
#include "reference/dicom/worklist.hpp"
#include "simulators/modality/exam.hpp"
#include "simulators/modality/report_document.hpp"

namespace radloop::harness {
namespace {

modality::Modality modality_of(const std::string& name) {
  using modality::Modality;
  if (name == "MR") return Modality::mr;
  if (name == "CR") return Modality::cr;
  if (name == "DX") return Modality::dx;
  if (name == "US") return Modality::us;
  if (name == "MG") return Modality::mg;
  return Modality::ct;
}

modality::Target archive(const Actors& actors, const std::string& calling_ae) {
  modality::Target t;
  t.host = actors.sut.host;
  t.port = actors.sut.dicom_port;
  t.calling_ae = calling_ae;
  t.called_ae = actors.sut.ae_title;
  t.timeout = std::chrono::seconds(15);
  return t;
}

const ris::HeldOrder* held(const std::vector<ris::HeldOrder>& orders, const std::string& placer) {
  for (const auto& o : orders) {
    if (o.placer == placer) return &o;
  }
  return nullptr;
}

// One word for how a sending went: success, rejected (association), refused (no context),
// failed (answered with errors), partial, or not_sent.
std::string store_status(const modality::StoreReport& report, const modality::EventLog& log) {
  using Kind = modality::StoreOutcome::Kind;
  const auto n = report.outcomes.size();
  if (n > 0 && report.accepted() == n) return "success";
  if (report.count(Kind::context_refused) == n) return "refused";
  if (report.count(Kind::not_sent) == n) {
    for (const auto& e : log.events()) {
      if (e.action == "association_rejected") return "rejected";
    }
    return "not_sent";
  }
  if (report.accepted() == 0 && report.count(Kind::answered) == n) return "failed";
  return "partial";
}

nlohmann::json store_json(const modality::StoreReport& report, const modality::EventLog& log) {
  nlohmann::json statuses = nlohmann::json::object();
  for (const auto& o : report.outcomes) {
    const auto key = o.kind == modality::StoreOutcome::Kind::answered ? fmt::format("0x{:04X}", o.status)
                                                                      : std::string(modality::to_string(o.kind));
    statuses[key] = statuses.value(key, 0) + 1;
  }
  return {{"status", store_status(report, log)},
          {"sent", report.outcomes.size()},
          {"accepted", report.accepted()},
          {"answers", statuses}};
}

// The worklist query a modality configured with `actor.worklist_keys` sends for `order`; a
// sentence when a key cannot be given (a date key for an order placed without a date).
std::string worklist_query(const ModalityActor& actor, const ris::HeldOrder& order, const std::string& patient_id,
                           const std::string& scheduled, dicom::WorklistQuery& query) {
  for (const auto& key : actor.worklist_keys) {
    if (key == "accession") query.accession_number = order.accession;
    if (key == "modality") query.modality = actor.modality;
    if (key == "station") query.station_ae_title = actor.ae_title;
    if (key == "patient_id") query.patient_id = patient_id;
    if (key == "date") {
      if (scheduled.size() < 8) {
        return "the worklist key \"date\" needs the day of the exam: place order " + order.placer +
               " with scheduled: YYYYMMDD";
      }
      query.start_date = scheduled.substr(0, 8);
    }
  }
  return {};
}

// The last state of the performed procedure step the archive took (success or a warning):
// COMPLETED, DISCONTINUED, IN PROGRESS (never ended), refused (N-CREATE answered with a failure),
// failed (no answer: the association or the exchange failed), or none (no MPPS sent).
std::string mpps_state(const modality::ExamReport& exam, const std::vector<std::string>& faults) {
  const auto has = [&](std::string_view fault) {
    return std::any_of(faults.begin(), faults.end(), [&](const std::string& f) { return f.starts_with(fault); });
  };
  if (!exam.mpps_create) return has("no_mpps") ? "none" : "failed";
  if (!exam.mpps_create->taken()) return "refused";
  if (!exam.mpps_set || !exam.mpps_set->taken()) return "IN PROGRESS";
  return has("mpps_discontinued") ? "DISCONTINUED" : "COMPLETED";
}

// Storage Commitment as the archive reported it: how many instances committed and failed, and a
// word: all, partial, none, no_report (none came in time) or refused (the N-ACTION was).
void commitment_json(const std::optional<modality::CommitmentOutcome>& outcome, nlohmann::json& value) {
  if (!outcome) {
    value["commitment"] = "failed";
    return;
  }
  if (outcome->action_status != 0) {
    value["commitment"] = "refused";
    value["commitment_status"] = fmt::format("0x{:04X}", outcome->action_status);
    return;
  }
  if (!outcome->reported) {
    value["commitment"] = "no_report";
    return;
  }
  const auto committed = std::ssize(outcome->report.committed);
  const auto failed = std::ssize(outcome->report.failed);
  value["committed"] = committed;
  value["commitment_failed"] = failed;
  value["commitment"] = failed == 0 ? "all" : committed == 0 ? "none" : "partial";
}

std::string last_problem(const modality::EventLog& log) {
  std::string why;
  for (const auto& e : log.events()) {
    if (e.action == "association_rejected" || e.action == "abort" || e.action == "not_sent" ||
        (e.action == "store" && e.status && *e.status != 0)) {
      why = e.action + ": " + e.detail;
    }
  }
  return why;
}

}  // namespace

Operation run_acquire(std::size_t index, const Step& step, const ModalityAcquire& action, Actors& actors,
                      History& history) {
  const auto& actor = actors.modalities.at(action.modality);
  const auto f = std::string("modality.acquire");
  nlohmann::json invoke{{"step", index},
                        {"modality", actor.name},
                        {"calling_ae", actor.ae_title},
                        {"study", action.study},
                        {"faults", action.faults}};
  modality::ExamPlan plan;
  plan.archive = archive(actors, actor.ae_title);
  const bool use_worklist = action.worklist && actor.worklist;
  // The truth: the order the exam is for, as the scenario placed it and the RIS numbered it.
  const auto orders = actors.ris->orders();
  const auto* order = action.placer.empty() ? nullptr : held(orders, action.placer);
  const auto ordered_for = action.placer.empty() ? std::nullopt : actors.patient_of_order(action.placer);
  std::string truth_issuer = action.patient.issuer;
  std::string truth_source = "the patient and accession the scenario typed";
  if (order != nullptr) {
    // Placed through a step of the scenario: its patient. Otherwise (a literal message) the RIS's
    // own record of the order is the best truth there is, and the report says so.
    plan.truth = modality::GroundTruth{ordered_for ? ordered_for->mrn : order->patient_id, order->accession,
                                       order->study_instance_uid};
    truth_issuer = ordered_for ? ordered_for->issuer : order->issuer;
    truth_source = ordered_for ? "the scenario's order " + action.placer + " and the RIS's accession"
                               : "the RIS's record of order " + action.placer;
  }
  if (use_worklist) {
    invoke["placer"] = action.placer;
    invoke["worklist_keys"] = actor.worklist_keys;
    history.append(step.name, OpType::invoke, f, invoke);
    if (order == nullptr) {
      return history.append(step.name, OpType::fail, f,
                            {{"step", index},
                             {"status", "no_order"},
                             {"error", "the RIS has not accessioned order " + action.placer +
                                           " (a ris.accessioned step before this one waits for it)"}});
    }
    plan.worklist = plan.archive;
    // The keys this modality asks with (its actor's worklist_keys), then the order on the table
    // is picked from the answers by its accession, as a technologist picks the patient.
    const auto wristband = ordered_for ? ordered_for->mrn : order->patient_id;  // the patient on the table
    if (const auto why = worklist_query(actor, *order, wristband, actors.scheduled_for(action.placer), plan.query);
        !why.empty()) {
      return history.append(step.name, OpType::fail, f, {{"step", index}, {"status", "not_performed"}, {"error", why}});
    }
    plan.pick_accession = order->accession;
  } else {
    if (!action.placer.empty()) invoke["placer"] = action.placer;
    history.append(step.name, OpType::invoke, f, invoke);
    plan.study.patient.id = action.patient.mrn;
    plan.study.patient.issuer = action.patient.issuer;
    plan.study.patient.name = action.patient.family + "^" + action.patient.given;
    plan.study.patient.birth_date = action.patient.birth_date;
    plan.study.patient.sex = action.patient.sex;
    plan.study.order.accession_number = action.accession;
  }
  plan.study.modality = modality_of(actor.modality);
  plan.study.seed = actors.seed * 1'000'003 + index + 1;
  plan.study.series_count = action.series;
  plan.study.instances_per_series = action.instances;
  plan.study.station_ae_title = actor.ae_title;
  if (plan.study.modality == modality::Modality::us) plan.study.bits_allocated = 8;
  if (!actor.transfer_syntax.empty()) plan.study.transfer_syntax_uid = actor.transfer_syntax;
  for (const auto& text : action.faults) plan.faults.push_back(*modality::parse_fault(text));  // checked at parse
  plan.work_dir = actors.scratch->path() / fmt::format("step-{}", index);
  plan.commitment = action.commit;

  modality::EventLog log;
  auto exam = modality::run_exam(plan, log);
  if (!exam) {
    return history.append(step.name, OpType::fail, f,
                          {{"step", index}, {"status", "not_performed"}, {"error", exam.error().message()}});
  }
  AcquiredStudy study;
  study.label = action.study;
  study.placer = action.placer;
  study.study_uid =
      exam->instances.empty() ? exam->truth.study_instance_uid : exam->instances.front().study_instance_uid;
  study.truth_patient_id = exam->truth.patient_id;
  study.truth_accession = exam->truth.accession_number;
  study.sent_patient_id = exam->sent.patient.id;
  study.sent_accession = exam->sent.order.accession_number;
  study.patient_name = exam->sent.patient.name;
  study.issuer = exam->sent.patient.issuer;
  study.truth_issuer = truth_issuer.empty() ? study.issuer : truth_issuer;
  actors.remember(study);

  auto value = store_json(exam->store, log);
  value["step"] = index;
  value["study_uid"] = study.study_uid;
  value["sent_patient_id"] = study.sent_patient_id;
  value["sent_accession"] = study.sent_accession;
  value["truth"] = {{"patient_id", study.truth_patient_id}, {"issuer", study.truth_issuer},
                    {"accession", study.truth_accession},   {"placer_order", action.placer},
                    {"study_uid", study.study_uid},         {"source", truth_source}};
  for (const auto& e : log.events()) {
    if (e.action == "worklist_mismatch") value["worklist_mismatch"] = e.detail;
  }
  if (exam->resend) {
    value["resend"] = store_json(*exam->resend, log);
    value["resend_status"] = value["resend"]["status"];
    // The archive's answer to the resend: 0x0000, or the warning or failure it gave instead.
    std::string answer = "0x0000";
    for (const auto& [status, count] : value["resend"]["answers"].items()) {
      if (status != "0x0000" && count.get<int>() > 0) answer = status;
    }
    value["resend_answer"] = answer;
  }
  if (exam->mpps_create) value["mpps_create"] = fmt::format("0x{:04X}", exam->mpps_create->status);
  if (exam->mpps_set) value["mpps_set"] = fmt::format("0x{:04X}", exam->mpps_set->status);
  value["mpps"] = mpps_state(*exam, action.faults);
  if (action.commit) commitment_json(exam->commitment, value);
  if (const auto why = last_problem(log); !why.empty()) value["error"] = why;
  const auto ok = value["status"] == "success" && value.value("resend_status", std::string("success")) == "success";
  return history.append(step.name, ok ? OpType::ok : OpType::fail, f, value);
}

Operation run_sut_study(std::size_t index, const Step& step, const SutStudy& action, Actors& actors,
                        SystemUnderTest& system, History& history) {
  const auto f = std::string("sut.study");
  history.append(step.name, OpType::invoke, f, {{"step", index}, {"study", action.study}});
  const auto acquired = actors.study(action.study);
  if (!acquired) {
    return history.append(step.name, OpType::fail, f,
                          {{"step", index}, {"error", "no study labelled " + action.study + " was acquired"}});
  }
  const auto wanted = step.expect.find("state");
  Result<std::optional<LandedStudy>> seen = std::optional<LandedStudy>{};
  eventually(action.within, [&] {
    seen = system.find_study(acquired->study_uid);
    if (!seen || !seen->has_value()) return !seen.ok();
    const auto& state = (*seen)->state;
    // An empty state: the system shows none (C-FIND only); waiting will not change that.
    return state.empty() || (wanted == step.expect.end() ? state != "pending" : wanted->second.matches(state));
  });
  if (!seen) {
    return history.append(step.name, OpType::info, f, {{"step", index}, {"error", seen.error().message()}});
  }
  if (!seen->has_value()) {
    return history.append(step.name, OpType::fail, f,
                          {{"step", index},
                           {"found", false},
                           {"study_uid", acquired->study_uid},
                           {"error", "the system holds no study " + acquired->study_uid}});
  }
  const auto& s = **seen;
  // Found, but with no link state to show: what the step expects of it cannot be judged.
  const auto type = s.state.empty() ? OpType::info : OpType::ok;
  return history.append(step.name, type, f,
                        {{"step", index},
                         {"found", true},
                         {"study_uid", s.study_uid},
                         {"state", s.state},
                         {"reason", s.reason},
                         {"patient_id", s.patient_id},
                         {"accession", s.accession},
                         {"instances", s.instances},
                         {"linked_accession", s.linked_accession},
                         {"linked_patient_id", s.linked_patient_id}});
}

Operation run_dicom_report(std::size_t index, const Step& step, const RisReport& action, Actors& actors,
                           History& history) {
  const auto f = "ris.report_" + action.form;
  const auto orders = actors.ris->orders();
  const auto* order = held(orders, action.placer);
  const auto study = actors.study_of_order(action.placer);
  // A PDF's text is inside the document, not in the chart's text: only an SR's is compared.
  const auto truth =
      order == nullptr
          ? nlohmann::json{{"placer_order", action.placer}, {"report_status", action.status}}
          : report_truth(actors, *order, action.status, action.form == "sr" ? action.text : std::string(), false);
  history.append(step.name, OpType::invoke, f, {{"step", index}, {"placer", action.placer}, {"truth", truth}});
  if (order == nullptr || !study) {
    return history.append(step.name, OpType::fail, f,
                          {{"step", index},
                           {"error", "a DICOM report needs the order " + action.placer +
                                         " accessioned and its study acquired in an earlier step"}});
  }
  modality::ReportDocument doc;
  doc.seed = actors.seed * 7'919 + index + 1;
  doc.patient.id = order->patient_id;
  doc.patient.issuer = order->issuer;
  doc.patient.name = order->patient_name;
  doc.order.accession_number = order->accession;
  doc.study_instance_uid = study->study_uid;
  doc.sections = {{"Impression", action.text}};
  doc.verified = action.status != "P";
  doc.complete = action.status != "P";
  const auto dir = actors.scratch->path() / fmt::format("step-{}", index);
  auto made = action.form == "sr" ? modality::synthesize_sr(doc, dir) : modality::synthesize_pdf(doc, dir);
  if (!made) {
    return history.append(step.name, OpType::fail, f, {{"step", index}, {"error", made.error().message()}});
  }
  modality::EventLog log;
  const auto target = archive(actors, "REPORTING");
  auto sent = modality::send_instances(target, {made->path}, {}, log, {order->patient_id, order->accession, ""});
  if (!sent) return history.append(step.name, OpType::fail, f, {{"step", index}, {"error", sent.error().message()}});
  auto value = store_json(*sent, log);
  value["step"] = index;
  value["sop_instance_uid"] = made->sop_instance_uid;
  value["study_uid"] = study->study_uid;
  if (const auto why = last_problem(log); !why.empty()) value["error"] = why;
  const auto ok = value["status"] == "success";
  return history.append(step.name, ok ? OpType::ok : OpType::fail, f, value);
}

}  // namespace radloop::harness
