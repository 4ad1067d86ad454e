// The exam, step by step (see the header).
#include "simulators/modality/exam.hpp"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cctype>

#include "simulators/modality/worklist_scu.hpp"

namespace radloop::modality {
namespace {

class Exam {
 public:
  Exam(const ExamPlan& plan, EventLog& log) : plan_(plan), log_(log), archive_(plan.archive), store_(plan.store) {}

  Result<ExamReport> run() {
    if (auto chosen = choose_order(); !chosen) return chosen.error();
    apply_faults();
    auto made = synthesize_study(report_.sent, plan_.work_dir / "study");
    if (!made) return made.error();
    report_.instances = std::move(made).value();
    if (report_.truth.study_instance_uid.empty() && !report_.instances.empty()) {
      report_.truth.study_instance_uid = report_.instances.front().study_instance_uid;
    }
    record("synthesize", fmt::format("{} instances of a {} study in {}", report_.instances.size(),
                                     to_string(report_.sent.modality), report_.sent.transfer_syntax_uid));
    const bool mpps = plan_.mpps && !has(FaultKind::no_mpps);
    auto step = performed_step(report_.sent, report_.instances);
    if (mpps) report_.mpps_create = mpps_call("mpps_create", mpps_create(archive_, step));

    std::vector<std::filesystem::path> files;
    for (const auto& i : report_.instances) files.push_back(i.path);
    if (auto sent = send_instances(archive_, files, store_, log_, report_.truth, identity()); sent) {
      report_.store = std::move(sent).value();
    } else {
      return sent.error();
    }
    if (has(FaultKind::resend)) resend(files);
    if (has(FaultKind::conflicting_resend) && !files.empty()) send_conflicting_copy(files.front());

    if (mpps && report_.mpps_create && report_.mpps_create->taken()) {
      step.sop_instance_uid = report_.mpps_create->sop_instance_uid;
      step.end_date = report_.sent.study_date;
      step.end_time = report_.sent.study_time;
      if (has(FaultKind::mpps_discontinued)) {
        step.status = dicom::PerformedProcedureStep::Status::discontinued;
        const auto reason = value(FaultKind::mpps_discontinued);
        step.discontinuation_reason = reason.empty() ? "Equipment failure" : reason;
      } else {
        step.status = dicom::PerformedProcedureStep::Status::completed;
      }
      report_.mpps_set = mpps_call("mpps_set", mpps_set(archive_, step));
    }
    if (plan_.commitment) request_commitment_for_what_was_kept();
    return std::move(report_);
  }

 private:
  Result<void> choose_order() {
    report_.sent = plan_.study;
    report_.truth = plan_.truth.value_or(
        GroundTruth{plan_.study.patient.id, plan_.study.order.accession_number, plan_.study.study_instance_uid});
    if (!plan_.worklist) {
      // Without the worklist the study UID is the modality's own, whatever the order scheduled.
      report_.truth.study_instance_uid = plan_.study.study_instance_uid;
      return {};
    }
    auto items = query_worklist(*plan_.worklist, plan_.query);
    if (!items) {
      record("worklist_query", "failed: " + items.error().message());
      return items.error();
    }
    record("worklist_query", fmt::format("{} item(s) answered", items->size()));
    auto pick = plan_.pick;
    if (!plan_.pick_accession.empty()) {
      // The order on the table or nothing: performing the first of a day's list would put another
      // patient's order on these images.
      pick = items->size();
      for (std::size_t i = 0; i < items->size(); ++i) {
        if ((*items)[i].accession_number == plan_.pick_accession) {
          pick = i;
          break;
        }
      }
      if (pick == items->size()) {
        return Error{Errc::not_found, "worklist",
                     fmt::format("the worklist answered {}, none with accession {}", items->size(),
                                 plan_.pick_accession)};
      }
    }
    if (pick >= items->size()) {
      return Error{Errc::invalid_config, "worklist",
                   fmt::format("item {} was asked for, the worklist answered {}", pick, items->size())};
    }
    const auto& item = (*items)[pick];
    worklist_ = *items;
    report_.sent = spec_from_worklist(item, plan_.study);
    record("worklist_pick", fmt::format("item {} of {}: accession {}, patient {} ({})", pick, items->size(),
                                        item.accession_number, item.patient_id, item.patient_name));
    if (!plan_.truth) {
      report_.truth = {item.patient_id, item.accession_number, item.study_instance_uid};
      return {};
    }
    // The truth stays the order's; a study UID the order did not fix is the worklist's to give.
    if (report_.truth.study_instance_uid.empty()) report_.truth.study_instance_uid = item.study_instance_uid;
    std::vector<std::string> differs;
    if (item.patient_id != plan_.truth->patient_id) {
      differs.push_back(fmt::format("patient {} (the order is for {})", item.patient_id, plan_.truth->patient_id));
    }
    if (item.accession_number != plan_.truth->accession_number) {
      differs.push_back(
          fmt::format("accession {} (the order's is {})", item.accession_number, plan_.truth->accession_number));
    }
    if (!differs.empty()) {
      record("worklist_mismatch",
             fmt::format("the worklist item disagrees with the order performed: {}", fmt::join(differs, "; ")));
    }
    return {};
  }

  void apply_faults() {
    auto& spec = report_.sent;
    for (const auto& fault : plan_.faults) {
      std::string what;
      switch (fault.kind) {
        case FaultKind::transpose_accession:
          spec.order.accession_number = transpose_adjacent(spec.order.accession_number);
          what = "accession sent as " + spec.order.accession_number;
          break;
        case FaultKind::blank_accession:
          spec.order.accession_number.clear();
          what = "accession sent empty";
          break;
        case FaultKind::blank_patient_id:
          spec.patient.id.clear();
          what = "patient ID sent empty";
          break;
        case FaultKind::other_patient_id:
          spec.patient.id = other_patient_id(fault.value);
          what = "patient ID sent as " + spec.patient.id;
          break;
        case FaultKind::typed_demographics:
          type_by_hand(spec);
          what = "demographics typed by hand: " + spec.patient.name + ", no accession, a new study UID";
          break;
        case FaultKind::unacceptable_transfer_syntax:
          spec.transfer_syntax_uid = fault.value.empty() ? std::string(transfer_syntax::jpeg_ls_lossless) : fault.value;
          store_.proposed_transfer_syntaxes = {spec.transfer_syntax_uid};
          what = "only " + spec.transfer_syntax_uid + " proposed";
          break;
        case FaultKind::called_ae_wrong_case:
          archive_.called_ae = flip_case(archive_.called_ae);
          what = "called AE sent as " + archive_.called_ae;
          break;
        case FaultKind::unknown_calling_ae:
          archive_.calling_ae = fault.value.empty() ? "UNKNOWN_AE" : fault.value;
          what = "calling AE sent as " + archive_.calling_ae;
          break;
        case FaultKind::abort_after:
          store_.abort_after = fault.value.empty() ? 1 : std::stoul(fault.value);
          what = fmt::format("A-ABORT after {} instance(s)", *store_.abort_after);
          break;
        case FaultKind::slow_sender:
          store_.pdu_delay = std::chrono::milliseconds(fault.value.empty() ? 100 : std::stoul(fault.value));
          what = fmt::format("{} ms after each PDU", store_.pdu_delay.count());
          break;
        case FaultKind::resend: what = "the study will be sent twice"; break;
        case FaultKind::conflicting_resend: what = "the first instance will be sent again with other content"; break;
        case FaultKind::mpps_discontinued: what = "the MPPS will end DISCONTINUED"; break;
        case FaultKind::no_mpps: what = "no MPPS will be sent"; break;
      }
      record("fault", std::string(to_string(fault.kind)) + ": " + what);
    }
  }

  std::string other_patient_id(const std::string& chosen) const {
    if (!chosen.empty()) return chosen;
    for (const auto& item : worklist_) {
      if (item.patient_id != report_.truth.patient_id && !item.patient_id.empty()) return item.patient_id;
    }
    return report_.truth.patient_id + "9";
  }

  // What a technologist types without the worklist: family and given name with a space, the
  // ID as read off the request, no accession, and a study UID of the modality's own.
  static void type_by_hand(StudySpec& spec) {
    std::replace(spec.patient.name.begin(), spec.patient.name.end(), '^', ' ');
    spec.order.accession_number.clear();
    spec.order.requested_procedure_id.clear();
    spec.order.scheduled_procedure_step_id.clear();
    spec.study_instance_uid.clear();
  }

  static std::string flip_case(std::string ae) {
    const bool has_upper = std::any_of(ae.begin(), ae.end(), [](unsigned char c) { return std::isupper(c) != 0; });
    for (auto& c : ae) {
      c = static_cast<char>(has_upper ? std::tolower(static_cast<unsigned char>(c))
                                      : std::toupper(static_cast<unsigned char>(c)));
    }
    return ae;
  }

  void resend(const std::vector<std::filesystem::path>& files) {
    record("resend", fmt::format("sending the {} instance(s) again", files.size()));
    auto options = store_;
    options.abort_after.reset();  // the first sending's abort is not repeated
    auto again = send_instances(archive_, files, options, log_, report_.truth, identity());
    if (again) report_.resend = std::move(again).value();
  }

  // Same SOP Instance UID, other bytes: a modality that re-encoded or edited an image it had sent.
  void send_conflicting_copy(const std::filesystem::path& original) {
    DcmFileFormat file;
    const auto copy = plan_.work_dir / "conflicting-copy.dcm";
    if (file.loadFile(original.c_str()).bad() ||
        file.getDataset()->putAndInsertString(DCM_ImageComments, "edited after sending").bad() ||
        file.saveFile(copy.c_str(), EXS_Unknown).bad()) {
      record("fault", "conflicting_resend: could not write the altered copy of " + original.string());
      return;
    }
    auto sent = send_instances(archive_, {copy}, StoreOptions{}, log_, report_.truth, identity());
    if (sent) report_.resend = std::move(sent).value();
  }

  void request_commitment_for_what_was_kept() {
    CommitmentRequest request;
    request.target = archive_;
    request.listen_port = plan_.commitment_listen_port;
    request.transaction_uid = derived_uid(report_.sent.seed, "commitment", 0);
    for (const auto& o : report_.store.outcomes) {
      if (o.kind == StoreOutcome::Kind::answered) request.instances.push_back({o.sop_class_uid, o.sop_instance_uid});
    }
    auto outcome = request_commitment(request);
    ModalityEvent event = base_event("commitment");
    if (!outcome) {
      event.detail = "failed: " + outcome.error().message();
    } else {
      event.status = outcome->action_status;
      event.detail = outcome->reported ? fmt::format("{} committed, {} failed", outcome->report.committed.size(),
                                                     outcome->report.failed.size())
                                       : "no report came within the timeout";
      report_.commitment = std::move(outcome).value();
    }
    log_.record(std::move(event));
  }

  std::optional<MppsAnswer> mpps_call(const char* action, Result<MppsAnswer> answer) {
    ModalityEvent event = base_event(action);
    if (!answer) {
      event.detail = "failed: " + answer.error().message();
      log_.record(std::move(event));
      return std::nullopt;
    }
    event.status = answer->status;
    event.detail =
        answer->status == 0 ? "MPPS " + answer->sop_instance_uid : fmt::format("refused: {}", answer->error_comment);
    log_.record(std::move(event));
    return std::move(answer).value();
  }

  [[nodiscard]] bool has(FaultKind kind) const {
    return std::any_of(plan_.faults.begin(), plan_.faults.end(), [&](const Fault& f) { return f.kind == kind; });
  }
  [[nodiscard]] std::string value(FaultKind kind) const {
    for (const auto& f : plan_.faults) {
      if (f.kind == kind) return f.value;
    }
    return {};
  }
  [[nodiscard]] SentIdentity identity() const { return {report_.sent.patient.id, report_.sent.order.accession_number}; }
  [[nodiscard]] ModalityEvent base_event(std::string action) const {
    ModalityEvent event;
    event.action = std::move(action);
    event.truth = report_.truth;
    event.sent_patient_id = report_.sent.patient.id;
    event.sent_accession_number = report_.sent.order.accession_number;
    return event;
  }
  void record(std::string action, std::string detail) {
    ModalityEvent event = base_event(std::move(action));
    event.detail = std::move(detail);
    log_.record(std::move(event));
  }

  const ExamPlan& plan_;
  EventLog& log_;
  Target archive_;
  StoreOptions store_;
  std::vector<dicom::WorklistItem> worklist_;
  ExamReport report_;
};

}  // namespace

Result<ExamReport> run_exam(const ExamPlan& plan, EventLog& log) { return Exam(plan, log).run(); }

}  // namespace radloop::modality
