// The modality simulator's subcommands (see the header).
#include "harness/cli/sim_modality.hpp"

#include <fmt/format.h>
#include <stdlib.h>
#include <unistd.h>

#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>

#include "harness/cli/exit_codes.hpp"
#include "reference/dicom/echo_scu.hpp"
#include "simulators/modality/mpps_scu.hpp"
#include "simulators/modality/study.hpp"
#include "simulators/modality/worklist_scu.hpp"

namespace radloop::cli {
namespace {

const std::map<std::string, std::string>& syntax_names() {
  static const std::map<std::string, std::string> names{
      {"implicit", std::string(modality::transfer_syntax::implicit_le)},
      {"explicit", std::string(modality::transfer_syntax::explicit_le)},
      {"deflate", std::string(modality::transfer_syntax::deflated_explicit_le)},
      {"rle", std::string(modality::transfer_syntax::rle_lossless)},
      {"jpeg-baseline", std::string(modality::transfer_syntax::jpeg_baseline)},
      {"jpeg-lossless", std::string(modality::transfer_syntax::jpeg_lossless_sv1)},
      {"jpeg-ls", std::string(modality::transfer_syntax::jpeg_ls_lossless)}};
  return names;
}

std::optional<modality::Modality> modality_named(const std::string& name) {
  for (auto m : {modality::Modality::ct, modality::Modality::mr, modality::Modality::cr, modality::Modality::dx,
                 modality::Modality::us, modality::Modality::mg}) {
    if (name == modality::to_string(m)) return m;
  }
  return std::nullopt;
}

void add_target_options(CLI::App& command, modality::Target& target, long& timeout) {
  command.add_option("--host", target.host, "The peer's address")->capture_default_str();
  command.add_option("--port", target.port, "The peer's DICOM port")->required();
  command.add_option("--called-ae", target.called_ae, "The peer's AE title, sent as written")->capture_default_str();
  command.add_option("--calling-ae", target.calling_ae, "Our AE title")->capture_default_str();
  command.add_option("--timeout", timeout, "Seconds for connecting and for each answer")
      ->check(CLI::Range(1L, 3600L))
      ->capture_default_str();
}

void add_query_options(CLI::App& command, dicom::WorklistQuery& q, const std::string& prefix) {
  command.add_option("--" + prefix + "patient-id", q.patient_id, "Worklist key: Patient ID (wildcards allowed)");
  command.add_option("--" + prefix + "patient-name", q.patient_name, "Worklist key: Patient's Name (* and ?)");
  command.add_option("--" + prefix + "accession", q.accession_number, "Worklist key: Accession Number");
  command.add_option("--" + prefix + "modality", q.modality, "Worklist key: Modality of the scheduled step");
  command.add_option("--" + prefix + "station", q.station_ae_title, "Worklist key: Scheduled Station AE Title");
  command.add_option("--" + prefix + "date", q.start_date, "Worklist key: step start date, YYYYMMDD or a range A-B");
}

}  // namespace

SimModalityCommand::SimModalityCommand(CLI::App& sim) {
  modality_ = sim.add_subcommand("modality", "A modality: C-ECHO, worklist query, and whole exams with faults");
  modality_->require_subcommand(1);

  echo_ = modality_->add_subcommand("echo", "C-ECHO the archive");
  add_target_options(*echo_, target_, timeout_seconds_);

  worklist_ = modality_->add_subcommand("worklist", "Query the Modality Worklist and print the items");
  add_target_options(*worklist_, target_, timeout_seconds_);
  add_query_options(*worklist_, query_, "");

  std::string fault_help = "A fault, NAME or NAME=VALUE (repeatable): ";
  for (const auto& name : modality::fault_names()) fault_help += std::string(name) + " ";
  send_ = modality_->add_subcommand(
      "send", "Perform an exam: worklist (optional), synthesis, MPPS, C-STORE, storage commitment (optional)");
  add_target_options(*send_, target_, timeout_seconds_);
  send_->add_flag("--worklist", use_worklist_, "Take patient and order from the archive's worklist");
  add_query_options(*send_, query_, "wl-");
  send_->add_option("--pick", pick_, "Which worklist answer to perform, from 0")->capture_default_str();
  send_->add_option("--modality", modality_name_, "CT, MR, CR, DX, US or MG (the worklist item's when it has one)")
      ->capture_default_str();
  send_->add_option("--seed", spec_.seed, "Every UID and pixel derives from it")->capture_default_str();
  send_->add_option("--series", spec_.series_count, "Series in the study")
      ->check(CLI::Range(1U, 1000U))
      ->capture_default_str();
  send_->add_option("--instances", spec_.instances_per_series, "Instances per series")
      ->check(CLI::Range(1U, 100000U))
      ->capture_default_str();
  send_->add_option("--rows", spec_.rows, "Image rows")->check(CLI::Range(1, 16384))->capture_default_str();
  send_->add_option("--columns", spec_.columns, "Image columns")->check(CLI::Range(1, 16384))->capture_default_str();
  std::string names;
  for (const auto& [name, uid] : syntax_names()) names += (names.empty() ? "" : ", ") + name;
  send_->add_option("--transfer-syntax", transfer_syntax_, "Encoding: " + names + ", or a UID")->capture_default_str();
  send_->add_option("--patient-id", spec_.patient.id, "Typed patient ID (without --worklist)");
  send_->add_option("--patient-name", spec_.patient.name, "Typed patient name, FAMILY^GIVEN");
  send_->add_option("--accession", spec_.order.accession_number, "Typed accession number");
  send_->add_option("--associations", associations_, "Concurrent associations for C-STORE")
      ->check(CLI::Range(1U, 64U))
      ->capture_default_str();
  send_->add_option("--split", split_, "How instances are shared among the associations")
      ->check(CLI::IsMember({"contiguous", "round_robin"}))
      ->capture_default_str();
  send_->add_option("--fault", faults_, fault_help);
  send_->add_flag("--commit", commit_, "Ask for storage commitment of what was accepted");
  send_->add_option("--commit-port", commit_port_,
                    "Await the commitment report on this port (default: same association)");
  send_->add_option("--events", events_path_, "Write the event log here as JSON lines");
  send_->add_option("--work-dir", work_dir_, "Where the study is written (default: a temporary folder, removed)");
  mpps_ = modality_->add_subcommand(
      "mpps", "One MPPS request: N-CREATE a step IN PROGRESS, or N-SET it COMPLETED or DISCONTINUED");
  add_target_options(*mpps_, target_, timeout_seconds_);
  mpps_->add_option("--action", mpps_action_, "create, complete or discontinue")
      ->check(CLI::IsMember({"create", "complete", "discontinue"}))
      ->capture_default_str();
  mpps_->add_option("--uid", mpps_step_.sop_instance_uid,
                    "The step's SOP Instance UID (needed to complete or discontinue; on create, empty lets the "
                    "archive choose)");
  mpps_->add_option("--patient-id", mpps_step_.patient_id, "Patient ID of the step (create)");
  mpps_->add_option("--patient-name", mpps_step_.patient_name, "Patient's name, FAMILY^GIVEN (create)");
  mpps_->add_option("--accession", mpps_step_.accession_number, "Accession number performed (create)");
  mpps_step_.performed_procedure_step_id = "PPS1";
  mpps_->add_option("--pps-id", mpps_step_.performed_procedure_step_id, "Performed Procedure Step ID (create)")
      ->capture_default_str();
  await_ = modality_->add_subcommand(
      "await-report",
      "Listen for a storage commitment report the archive owes us (asked for earlier, perhaps before it "
      "restarted) and print it");
  await_->add_option("--listen-port", wait_.port, "Where the archive calls back")->required();
  wait_.ae_title = target_.calling_ae;
  await_->add_option("--ae", wait_.ae_title, "Our AE title, as the archive calls it")->capture_default_str();
  await_->add_option("--transaction", wait_.transaction_uid, "Only this Transaction UID (default: any)");
  await_->add_option("--timeout", timeout_seconds_, "Seconds to wait for the report")
      ->check(CLI::Range(1L, 86400L))
      ->capture_default_str();
  spec_.patient = {"MRN0001", "", "DOE^JANE", "19700101", "F"};
  spec_.order.accession_number = "ACC0001";
}

bool SimModalityCommand::parsed() const { return modality_->parsed(); }

int SimModalityCommand::run() {
  target_.timeout = std::chrono::seconds(timeout_seconds_);
  if (echo_->parsed()) return echo();
  if (worklist_->parsed()) return worklist();
  if (mpps_->parsed()) return mpps();
  if (await_->parsed()) return await_report();
  return send();
}

int SimModalityCommand::echo() {
  dicom::EchoRequest request{target_.host,      target_.port,    target_.calling_ae,
                             target_.called_ae, target_.timeout, target_.timeout};
  auto result = dicom::echo(request);
  if (!result) {
    std::cerr << "radloop: " << result.error().message() << '\n';
    return kExitInvalid;
  }
  std::cout << fmt::format("C-ECHO {} -> {}: status {:#06x}\n", target_.calling_ae, target_.called_ae, result->status);
  return result->status == 0 ? kExitValid : kExitInvalid;
}

int SimModalityCommand::worklist() {
  auto items = modality::query_worklist(target_, query_);
  if (!items) {
    std::cerr << "radloop: " << items.error().message() << '\n';
    return kExitError;
  }
  for (std::size_t i = 0; i < items->size(); ++i) {
    const auto& item = (*items)[i];
    std::cout << fmt::format("{}\taccession={}\tpatient={}\tname={}\tmodality={}\tstation={}\tdate={}\tstudy={}\n", i,
                             item.accession_number, item.patient_id, item.patient_name, item.step.modality,
                             item.step.station_ae_title, item.step.start_date, item.study_instance_uid);
  }
  std::cout << fmt::format("{} item(s)\n", items->size());
  return kExitValid;
}

int SimModalityCommand::send() {
  modality::ExamPlan plan;
  plan.archive = target_;
  if (use_worklist_) {
    plan.worklist = target_;
    plan.query = query_;
    plan.pick = pick_;
  }
  auto kind = modality_named(modality_name_);
  if (!kind) {
    std::cerr << "radloop: --modality \"" << modality_name_ << "\" is not one of CT, MR, CR, DX, US, MG\n";
    return kExitError;
  }
  spec_.modality = *kind;
  const auto named = syntax_names().find(transfer_syntax_);
  spec_.transfer_syntax_uid = named == syntax_names().end() ? transfer_syntax_ : named->second;
  // Ultrasound is 8-bit, and JPEG baseline carries 8 bits only (CT, MR and MG cannot use it).
  if (*kind == modality::Modality::us || spec_.transfer_syntax_uid == modality::transfer_syntax::jpeg_baseline) {
    spec_.bits_allocated = 8;
  }
  plan.study = spec_;
  for (const auto& text : faults_) {
    auto fault = modality::parse_fault(text);
    if (!fault) {
      std::cerr << "radloop: " << fault.error().message() << '\n';
      return kExitError;
    }
    plan.faults.push_back(*fault);
  }
  plan.store.associations = associations_;
  plan.store.split = *modality::parse_split(split_);  // CLI11 already checked the name
  plan.commitment = commit_;
  plan.commitment_listen_port = commit_port_;
  std::filesystem::path scratch;
  if (work_dir_.empty()) {
    std::string pattern = (std::filesystem::temp_directory_path() / "radloop-sim-XXXXXX").string();
    scratch = ::mkdtemp(pattern.data());
    plan.work_dir = scratch;
  } else {
    plan.work_dir = work_dir_;
  }

  modality::EventLog log;
  auto report = modality::run_exam(plan, log);
  if (!events_path_.empty()) std::ofstream(events_path_) << log.json_lines();
  if (!scratch.empty()) {
    std::error_code ignored;
    std::filesystem::remove_all(scratch, ignored);
  }
  if (!report) {
    std::cerr << "radloop: " << report.error().message() << '\n';
    return kExitError;
  }
  using Kind = modality::StoreOutcome::Kind;
  const auto& store = report->store;
  std::cout << fmt::format(
      "exam for patient {} accession {} (sent as {} / {}): {} instance(s), {} accepted, {} "
      "answered with a failure, {} context refused, {} broke off, {} not sent\n",
      report->truth.patient_id, report->truth.accession_number, report->sent.patient.id,
      report->sent.order.accession_number, store.outcomes.size(), store.accepted(),
      store.count(Kind::answered) - store.accepted(), store.count(Kind::context_refused), store.count(Kind::broke_off),
      store.count(Kind::not_sent));
  for (const auto& event : log.of("association_rejected")) std::cout << "rejected: " << event.detail << '\n';
  if (report->mpps_create) std::cout << fmt::format("MPPS N-CREATE {:#06x}\n", report->mpps_create->status);
  if (report->mpps_set) std::cout << fmt::format("MPPS N-SET {:#06x}\n", report->mpps_set->status);
  if (report->commitment) {
    std::cout << (report->commitment->reported ? fmt::format("commitment: {} committed, {} failed\n",
                                                             report->commitment->report.committed.size(),
                                                             report->commitment->report.failed.size())
                                               : std::string("commitment: no report\n"));
  }
  const bool all = store.accepted() == store.outcomes.size() &&
                   (!report->commitment || (report->commitment->reported && report->commitment->report.failed.empty()));
  return all ? kExitValid : kExitInvalid;
}

// One N-CREATE or N-SET, as a modality sends it at the start and the end of an exam; the step's
// UID is printed so a later call can complete it (across an archive's restart, say).
int SimModalityCommand::mpps() {
  const auto now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm local{};
  ::localtime_r(&now, &local);
  const auto date = fmt::format("{:04}{:02}{:02}", local.tm_year + 1900, local.tm_mon + 1, local.tm_mday);
  const auto time = fmt::format("{:02}{:02}{:02}", local.tm_hour, local.tm_min, local.tm_sec);
  auto step = mpps_step_;
  Result<modality::MppsAnswer> answer = Error{Errc::internal, "mpps", "not sent"};
  const char* verb = "N-CREATE";
  if (mpps_action_ == "create") {
    step.modality = step.modality.empty() ? "CT" : step.modality;
    step.station_ae_title = target_.calling_ae;
    step.start_date = date;
    step.start_time = time;
    if (step.study_instance_uid.empty()) {
      // Seconds and process together, so two creates in one second from two processes differ.
      const auto seed = (static_cast<std::uint64_t>(now) << 32U) ^ static_cast<std::uint64_t>(::getpid());
      step.study_instance_uid = modality::derived_uid(seed, "study", 0);
    }
    answer = modality::mpps_create(target_, step);
  } else {
    verb = "N-SET";
    if (step.sop_instance_uid.empty()) {
      std::cerr << "radloop: --uid names the step to " << mpps_action_ << '\n';
      return kExitError;
    }
    step.status = mpps_action_ == "complete" ? dicom::PerformedProcedureStep::Status::completed
                                             : dicom::PerformedProcedureStep::Status::discontinued;
    step.end_date = date;
    step.end_time = time;
    answer = modality::mpps_set(target_, step);
  }
  if (!answer) {
    std::cerr << "radloop: " << answer.error().message() << '\n';
    return kExitError;
  }
  std::cout << fmt::format("{} {}: status {:#06x}{}\n", verb, answer->sop_instance_uid, answer->status,
                           answer->error_comment.empty() ? "" : " (" + answer->error_comment + ")");
  return answer->taken() ? kExitValid : kExitInvalid;
}

// Exit 0 with the report, or kExitInvalid when none came in time.
int SimModalityCommand::await_report() {
  wait_.timeout = std::chrono::seconds(timeout_seconds_);
  auto got = modality::await_commitment_report(wait_);
  if (!got) {
    std::cerr << "radloop: " << got.error().message() << '\n';
    return kExitError;
  }
  if (!*got) {
    std::cout << fmt::format("commitment: no report within {} s\n", timeout_seconds_);
    return kExitInvalid;
  }
  const auto& report = (*got)->report;
  std::cout << fmt::format("commitment: transaction {}: {} committed, {} failed\n", report.transaction_uid,
                           report.committed.size(), report.failed.size());
  for (const auto& failure : report.failed) {
    std::cout << fmt::format("failed: {} {}\n", failure.instance.sop_instance_uid,
                             dicom::describe_commitment_failure(failure.reason));
  }
  return kExitValid;
}

}  // namespace radloop::cli
