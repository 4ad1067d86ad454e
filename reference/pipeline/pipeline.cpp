// Pipeline wiring: HL7 over MLLP and DICOM in, each applied in one durable unit of work before it
// is answered; the outbox drained to the RIS and the EHR; waiting items swept to review.
#include "reference/pipeline/pipeline.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <chrono>

#include "reference/dicom/sr.hpp"
#include "reference/hl7/ack.hpp"
#include "reference/hl7/parser.hpp"
#include "reference/hl7/resend.hpp"
#include "reference/hl7/segments.hpp"
#include "reference/hl7/validate.hpp"
#include "reference/mllp/client.hpp"
#include "reference/pipeline/commitment_reports.hpp"
#include "reference/pipeline/performed_steps.hpp"
#include "reference/pipeline/store_worklist.hpp"
#include "reference/report/dicom_report.hpp"

namespace radloop::pipeline {
namespace {

// A line (between CR or LF) that does not start with a segment ID and a field separator: a raw
// line break inside a field.
bool has_stray_lines(const std::string& er7) {
  std::size_t start = 0;
  while (start < er7.size()) {
    auto end = er7.find_first_of("\r\n", start);
    if (end == std::string::npos) end = er7.size();
    const auto line = std::string_view(er7).substr(start, end - start);
    const bool segment = line.size() >= 4 && line[3] == '|' && std::all_of(line.begin(), line.begin() + 3, [](char c) {
                           return std::isalnum(static_cast<unsigned char>(c)) != 0;
                         });
    if (!line.empty() && !segment) return true;
    start = end + 1;
  }
  return false;
}

// Whether `payload` is the logged message sent again: by the payload while the log keeps it, by its
// digest once retention dropped it. A record with neither is not taken for a resend: refusing a
// resend costs its sender a retry, taking another message for one would lose it.
bool is_resend(const store::InboundMessage& earlier, std::string_view payload, const std::string& digest) {
  if (!earlier.raw.empty()) return hl7::same_message(earlier.raw, payload);
  return !earlier.digest.empty() && earlier.digest == digest;
}

std::string hl7_timestamp() {
  return fmt::format("{:%Y%m%d%H%M%S}",
                     fmt::gmtime(std::chrono::system_clock::to_time_t(std::chrono::system_clock::now())));
}

bool is_structured_report(const std::string& sop_class) { return sop_class.starts_with("1.2.840.10008.5.1.4.1.1.88."); }
constexpr std::string_view kEncapsulatedPdf = "1.2.840.10008.5.1.4.1.1.104.1";

// The report a stored document carries, if it is one; a document that cannot be read is still
// indexed as an instance, and the log says why it gave no report.
std::optional<report::Report> document_report(const dicom::InstanceRecord& instance) {
  if (is_structured_report(instance.sop_class_uid)) {
    auto sr = dicom::read_structured_report(instance.file_path);
    if (sr) return report::report_from_sr(*sr);
    spdlog::warn("pipeline: structured report {} gave no report: {}", instance.sop_instance_uid, sr.error().message());
  } else if (instance.sop_class_uid == kEncapsulatedPdf) {
    auto pdf = dicom::read_encapsulated_document(instance.file_path);
    if (pdf) return report::report_from_pdf(*pdf);
    spdlog::warn("pipeline: encapsulated PDF {} gave no report: {}", instance.sop_instance_uid, pdf.error().message());
  }
  return std::nullopt;
}

// The performed procedure steps the store kept. One whose body no longer reads comes back from its
// columns alone (UID, status, accession), with a warning: the state rules still hold for it (no
// second N-CREATE of its UID, no N-SET once final), and an N-SET can still complete it.
Result<std::vector<dicom::PerformedProcedureStep>> load_performed_steps(store::Store& store) {
  auto records =
      store.read_value<std::vector<store::PerformedStepRecord>>([](store::Tx& tx) { return tx.performed_steps(); });
  if (!records) return records.error();
  std::vector<dicom::PerformedProcedureStep> steps;
  for (const auto& record : *records) {
    auto step = performed_step_from(record);
    if (!step) {
      spdlog::warn("pipeline: {}; kept with its UID, status and accession only", step.error().message());
      dicom::PerformedProcedureStep minimal;
      minimal.sop_instance_uid = record.sop_instance_uid;
      minimal.status =
          dicom::status_from_string(record.status).value_or(dicom::PerformedProcedureStep::Status::in_progress);
      minimal.accession_number = record.accession;
      steps.push_back(std::move(minimal));
      continue;
    }
    steps.push_back(std::move(step).value());
  }
  return steps;
}

// The Storage Commitment reports the last run owed. One whose body no longer reads is left owed
// with a warning (it is not sent: its content is unknown).
Result<std::vector<dicom::OwedReport>> load_owed_reports(store::Store& store) {
  // Settled reports stay a month for whoever looks into a transaction, not for ever.
  constexpr store::Millis kKeepSettled = 30LL * 24 * 3600 * 1000;
  if (auto forgotten = store.write(
          [](store::Tx& tx) { return tx.forget_settled_commitment_reports(FlowContext::now() - kKeepSettled); });
      !forgotten) {
    spdlog::warn("pipeline: old storage commitment reports not forgotten: {}", forgotten.error().message());
  }
  auto records = store.read_value<std::vector<store::CommitmentReportRecord>>(
      [](store::Tx& tx) { return tx.owed_commitment_reports(); });
  if (!records) return records.error();
  std::vector<dicom::OwedReport> owed;
  for (const auto& record : *records) {
    auto one = owed_report_from(record);
    if (!one) {
      spdlog::warn("pipeline: {}; not sent", one.error().message());
      continue;
    }
    owed.push_back(std::move(one).value());
  }
  return owed;
}

}  // namespace

Result<std::unique_ptr<Pipeline>> Pipeline::start(PipelineConfig config) {
  std::unique_ptr<Pipeline> p(new Pipeline(std::move(config)));
  auto store = store::SqliteStore::open(p->config_.store_path, p->config_.store);
  if (!store) return store.error();
  p->store_ = std::move(store).value();
  const auto& raw = p->config_.raw_retention;
  if (raw.max_bytes > 0 && p->config_.store.max_bytes > 0 && raw.max_bytes >= p->config_.store.max_bytes) {
    spdlog::warn(
        "pipeline: raw_max_megabytes ({} MiB) is not below store_max_megabytes ({} MiB): the store fills "
        "before raw payloads are dropped for room",
        raw.max_bytes >> 20, p->config_.store.max_bytes >> 20);
  }

  // Every destination's TLS files are usable before any delivery starts.
  for (const auto& [name, destination] : {std::pair{kRis, p->config_.flows.ris}, {kEhr, p->config_.flows.ehr}}) {
    if (!destination || !destination->tls) continue;
    if (auto usable = mllp::check_client_tls(*destination->tls); !usable) {
      auto error = usable.error();
      error.where = std::string("routing.") + name + "." + error.where;
      return error;
    }
  }
  for (const auto& [name, destination] : {std::pair{kRis, p->config_.flows.ris}, {kEhr, p->config_.flows.ehr}}) {
    if (!destination) continue;
    p->deliveries_.push_back(std::make_unique<Delivery>(*p->store_, name, *destination, p->config_.outbox, nullptr));
    p->deliveries_.back()->start();
  }

  auto dicom_config = p->config_.dicom;
  dicom_config.order_source =
      std::make_shared<StoreWorklist>(*p->store_, p->config_.flows.sabotage.worklist_shifted_patients);
  // MPPS is durable: the steps kept by the last run come back, and each change is written (with
  // the orders it moves) before the modality hears success.
  auto known = load_performed_steps(*p->store_);
  if (!known) return known.error();
  dicom_config.performed_steps = std::move(known).value();
  dicom_config.mpps_sink = [raw = p.get()](const dicom::PerformedProcedureStep& step) {
    return raw->on_performed_step(step);
  };
  // A commitment report owed on a new association is kept before the N-ACTION is answered and
  // settled once the requester answered it; those still owed come back here.
  auto owed = load_owed_reports(*p->store_);
  if (!owed) return owed.error();
  dicom_config.owed_reports = std::move(owed).value();
  dicom_config.commitment_sink.keep = [raw = p.get()](const dicom::OwedReport& report) -> Result<std::int64_t> {
    auto record = commitment_report_record(report);
    if (auto kept = raw->store_->write([&](store::Tx& tx) { return tx.put_commitment_report(record); }); !kept)
      return kept.error();
    return record.id;
  };
  dicom_config.commitment_sink.settle = [raw = p.get()](std::int64_t id, bool answered, const std::string& outcome) {
    return raw->store_->write([&](store::Tx& tx) {
      return tx.settle_commitment_report(id, answered ? "answered" : "given_up", outcome, FlowContext::now());
    });
  };
  // Storage Commitment commits to what the index holds, with its file as indexed.
  dicom_config.indexed_instance =
      [raw = p.get()](const std::string& sop_uid) -> Result<std::optional<dicom::InstanceRecord>> {
    auto found = raw->store_->read_value<std::vector<dicom::InstanceRecord>>(
        [&](store::Tx& tx) { return tx.instances("", "", sop_uid); });
    if (!found) return found.error();
    if (found->empty()) return std::optional<dicom::InstanceRecord>();
    return std::optional<dicom::InstanceRecord>(found->front());
  };
  auto dicom = dicom::Server::start(dicom_config, p->config_.dicom_observer,
                                    [raw = p.get()](const dicom::InstanceRecord& i) { return raw->on_instance(i); });
  if (!dicom) return dicom.error();
  p->dicom_ = std::move(dicom).value();

  auto mllp =
      mllp::Server::start(p->config_.mllp, [raw = p.get()](const mllp::InboundMessage& m) { return raw->on_hl7(m); });
  if (!mllp) return mllp.error();
  p->mllp_ = std::move(mllp).value();
  p->sweeper_ = std::thread([raw = p.get()] { raw->run_sweeper(); });
  return p;
}

Pipeline::~Pipeline() { stop(); }

void Pipeline::stop() {
  // Listeners first, so nothing new arrives; then the workers that read the store.
  if (mllp_) mllp_->stop();
  if (dicom_) dicom_->stop();
  {
    std::lock_guard lock(sweeper_mutex_);
    stopping_ = true;
  }
  sweeper_wake_.notify_all();
  if (sweeper_.joinable()) sweeper_.join();
  for (auto& d : deliveries_) d->stop();
}

PipelineStats Pipeline::stats() const {
  PipelineStats s;
  s.hl7_accepted = accepted_;
  s.hl7_duplicates = duplicates_;
  s.hl7_rejected = rejected_;
  s.hl7_errors = errors_;
  s.hl7_invalid = invalid_;
  s.hl7_refused = refused_;
  s.hl7_control_id_reused = reused_;
  s.raw_pruned_by_age = raw_pruned_by_age_;
  s.raw_pruned_by_size = raw_pruned_by_size_;
  s.raw_retained_bytes = raw_retained_bytes_;
  s.instances_indexed = indexed_;
  s.index_failures = index_failures_;
  s.mllp = mllp_->stats();
  s.dicom = dicom_->stats();
  std::size_t i = 0;
  for (const auto& [name, destination] : {std::pair{kRis, config_.flows.ris}, {kEhr, config_.flows.ehr}}) {
    if (!destination) continue;
    (std::string_view(name) == kRis ? s.ris : s.ehr) = deliveries_.at(i++)->stats();
  }
  s.store = store_->stats();
  return s;
}

void Pipeline::wake_deliveries() {
  for (auto& d : deliveries_) d->wake();
}

std::string Pipeline::on_hl7(const mllp::InboundMessage& message) {
  const hl7::AckOptions ack{fmt::format("RL{:08}", ++ack_sequence_), hl7_timestamp(), ""};
  const auto reject = [&](const Error& why) {
    ++rejected_;
    spdlog::warn("pipeline: rejected a message from {}: {}", message.peer, why.message());
    return hl7::build_reject(why, ack).serialize();
  };
  auto parsed = hl7::parse(message.payload);
  if (!parsed) return reject(parsed.error());
  const auto& msg = parsed.value();
  if (msg.segment_id(0) != "MSH") {
    return reject(Error{Errc::hl7_not_a_message, "segment 1",
                        "a batch or file header; MLLP carries one message per frame, starting with MSH"});
  }
  const hl7::Msh msh(msg, 0);
  const auto type = hl7::message_type(msg);
  if (type.code.empty()) return reject(Error{Errc::hl7_required_missing, "MSH-9", "the message type is empty"});
  if (msh.control_id().empty()) {
    return reject(Error{Errc::hl7_required_missing, "MSH-10", "the message control ID is empty"});
  }
  const auto issues = hl7::validate(msg);
  const bool structurally_valid = hl7::valid(issues);
  const auto& ris = config_.flows.ris_applications;
  const bool from_ris = std::find(ris.begin(), ris.end(), msh.sending_application()) != ris.end();

  const auto& sabotage = config_.flows.sabotage;
  if (sabotage.strict_line_breaks && has_stray_lines(message.payload)) {
    return reject(Error{Errc::hl7_malformed, "segment", "a line that is not a segment (sabotage)"});
  }
  if (sabotage.lose_reports && type.code == "ORU") {
    ++accepted_;
    return hl7::build_ack(msg, hl7::Outcome::accepted, {}, ack).serialize();
  }
  // Durable before acknowledged: logging and applying commit together, and the ACK is built
  // only after that commit returned. A resend (the same message under the same sender and
  // control ID) is logged once and applied once; another message under a used control ID is
  // refused and kept as refused, never answered AA and dropped.
  bool duplicate = false;
  std::optional<Error> reused;
  std::string refused_before;  // a resend of a message kept but refused: answered as it was
  Applied applied;
  const auto digest = hl7::resend_digest(message.payload);
  auto kept = store_->write([&](store::Tx& tx) -> Result<void> {
    const auto sender = msh.sending_application() + "^" + msh.sending_facility();
    auto logged = tx.log_inbound(
        store::InboundMessage{sender, msh.control_id(), type.name(), message.payload, message.peer, "", digest, ""});
    if (!logged) return logged.error();
    if (logged->duplicate && !sabotage.keep_duplicates) {
      auto earlier = tx.find_inbound(sender, msh.control_id());
      if (!earlier) return earlier.error();
      if (*earlier && !is_resend(**earlier, message.payload, digest)) {
        reused = Error{Errc::hl7_duplicate_control_id, "MSH-10",
                       fmt::format("\"{}\" from {} is taken by inbound message #{} ({}), whose content differs",
                                   msh.control_id(), sender, logged->id, (*earlier)->message_type)};
        // Kept under a key of its own, so the refused message is in the log as it came (its
        // payload for as long as raw retention keeps payloads).
        auto refused = tx.log_inbound(store::InboundMessage{
            sender, fmt::format("{}~refused{}-{}", msh.control_id(), FlowContext::now(), ++ack_sequence_), type.name(),
            message.payload, message.peer, "refused: " + reused->detail, digest, ""});
        if (!refused) return refused.error();
        return {};
      }
      constexpr std::string_view kRefused = "refused: ";
      if (*earlier && (*earlier)->outcome.starts_with(kRefused))
        refused_before = (*earlier)->outcome.substr(kRefused.size());
    }
    if (logged->duplicate && sabotage.keep_duplicates) {
      logged =
          tx.log_inbound(store::InboundMessage{sender, fmt::format("{}~again{}", msh.control_id(), ++ack_sequence_),
                                               type.name(), message.payload, message.peer, "", digest, ""});
      if (!logged) return logged.error();
    }
    duplicate = logged->duplicate;
    if (duplicate) return {};
    if (!structurally_valid) return tx.set_inbound_outcome(logged->id, "kept, not applied: its structure is broken");
    Result<Applied> result = Applied{"kept; no flow applies to " + type.name(), std::nullopt, false};
    if (type.code == "ADT") {
      result = apply_adt(tx, msg, context_);
    } else if (type.code == "ORM" || type.code == "OMI" || type.code == "OMG") {
      result = apply_order(tx, msg, from_ris, context_);
    } else if (type.code == "ORU") {
      result = apply_oru(tx, msg, context_);
    }
    if (!result) return result.error();
    applied = std::move(result).value();
    return tx.set_inbound_outcome(logged->id,
                                  applied.refusal ? "refused: " + applied.refusal->message() : applied.outcome);
  });
  if (!kept) {
    ++errors_;
    spdlog::error("pipeline: could not keep {} from {}: {}", msh.control_id(), message.peer, kept.error().message());
    return hl7::build_ack(msg, hl7::Outcome::error, {hl7::to_issue(kept.error())}, ack).serialize();
  }
  if (reused) {
    ++reused_;
    spdlog::warn("pipeline: refused a message from {}: {}", message.peer, reused->message());
    return hl7::build_ack(msg, hl7::Outcome::rejected, {hl7::to_issue(*reused)}, ack).serialize();
  }
  if (duplicate) ++duplicates_;
  if (duplicate && !refused_before.empty()) {
    // The same message again gets the same answer: AE, why, and still nothing applied.
    ++refused_;
    return hl7::build_ack(msg, hl7::Outcome::error, {hl7::Issue{hl7::Severity::error, {}, 207, refused_before}}, ack)
        .serialize();
  }
  if (applied.queued) wake_deliveries();
  if (!structurally_valid) {
    ++invalid_;
    return hl7::build_ack(msg, hl7::Outcome::error, issues, ack).serialize();
  }
  if (applied.refusal) {
    ++refused_;
    spdlog::warn("pipeline: {} from {} kept but not applied: {}", msh.control_id(), message.peer,
                 applied.refusal->message());
    return hl7::build_ack(msg, hl7::Outcome::error, {hl7::to_issue(*applied.refusal)}, ack).serialize();
  }
  ++accepted_;
  if (!applied.outcome.empty() && !duplicate)
    spdlog::info("pipeline: {} {}: {}", type.name(), msh.control_id(), applied.outcome);
  return hl7::build_ack(msg, hl7::Outcome::accepted, {}, ack).serialize();
}

Result<void> Pipeline::on_instance(const dicom::InstanceRecord& instance) {
  if (instance.outcome == dicom::InstanceRecord::Outcome::duplicate &&
      config_.flows.sabotage.refuse_duplicate_instances) {
    return Error{Errc::store_failed, instance.sop_instance_uid, "already received (sabotage)"};
  }
  if (instance.outcome == dicom::InstanceRecord::Outcome::conflict) {
    // Kept aside for a person to look at; the index keeps the copy that came first.
    return {};
  }
  // Read before the unit of work, so the committer never waits on a file.
  const auto document =
      config_.flows.sabotage.ignore_dicom_reports ? std::optional<report::Report>{} : document_report(instance);
  Applied applied;
  auto kept = store_->write([&](store::Tx& tx) -> Result<void> {
    auto result = apply_instance(tx, instance, document, context_);
    if (!result) return result.error();
    applied = std::move(result).value();
    return {};
  });
  if (!kept) {
    ++index_failures_;
    return kept.error();
  }
  ++indexed_;
  if (applied.queued) wake_deliveries();
  return {};
}

Result<void> Pipeline::on_performed_step(const dicom::PerformedProcedureStep& step) {
  Applied applied;
  auto kept = store_->write([&](store::Tx& tx) -> Result<void> {
    if (auto put = tx.put_performed_step(performed_step_record(step, FlowContext::now())); !put) return put;
    auto result = apply_performed_step(tx, step, context_);
    if (!result) return result.error();
    applied = std::move(result).value();
    return {};
  });
  if (!kept) {
    spdlog::error("pipeline: performed step {} not kept: {}", step.sop_instance_uid, kept.error().message());
    return kept.error();
  }
  spdlog::info("pipeline: {}", applied.outcome);
  if (applied.queued) wake_deliveries();
  return {};
}

Result<store::ReviewRecord> Pipeline::resolve(const Resolution& resolution) {
  auto resolved =
      store_->write_value<store::ReviewRecord>([&](store::Tx& tx) { return resolve_review(tx, resolution, context_); });
  if (resolved) wake_deliveries();
  return resolved;
}

Result<void> Pipeline::sweep() {
  Applied applied;
  auto swept = store_->write([&](store::Tx& tx) -> Result<void> {
    auto result = sweep_pending(tx, context_);
    if (!result) return result.error();
    applied = std::move(result).value();
    return {};
  });
  if (swept && !applied.outcome.empty()) spdlog::info("pipeline: {}", applied.outcome);
  return swept;
}

void Pipeline::run_sweeper() {
  std::unique_lock lock(sweeper_mutex_);
  while (!stopping_) {
    sweeper_wake_.wait_for(lock, config_.sweep_interval, [&] { return stopping_; });
    if (stopping_) return;
    lock.unlock();
    // Nothing may end the sweeper: a failed round is logged and the next one comes on time.
    try {
      if (auto r = sweep(); !r) spdlog::error("pipeline: sweep failed: {}", r.error().message());
      if (Clock::now() >= next_alert_check_) {
        // Alerts read every landing; once every alert_interval is often enough for minutes-long deadlines.
        next_alert_check_ = Clock::now() + config_.alert_interval;
        announce_alerts();
      }
      if (Clock::now() >= next_retention_) {
        next_retention_ = Clock::now() + config_.raw_retention.interval;
        retain_raw_payloads();
      }
    } catch (const std::exception& e) {
      spdlog::error("pipeline: a sweep failed: {}; the sweeper keeps running", e.what());
    }
    lock.lock();
  }
}

void Pipeline::announce_alerts() {
  auto current = alerts();
  if (!current) {
    spdlog::error("pipeline: cannot read the landing stages for alerts: {}", current.error().message());
    return;
  }
  for (const auto& a : *current) {
    const auto key = std::string(a.kind == LandingAlert::Kind::late_delivery ? "late:" : "orphan:") + a.accession;
    if (!announced_.insert(key).second) continue;  // each alert is raised once
    spdlog::warn("pipeline: alert {} {}: {}",
                 a.kind == LandingAlert::Kind::late_delivery ? "late_delivery" : "orphan_study", a.accession, a.detail);
  }
}

void Pipeline::retain_raw_payloads() {
  auto done = raw_retainer_.run(*store_, std::chrono::system_clock::now());
  if (!done) {
    spdlog::error("pipeline: cannot apply the raw payload retention: {}", done.error().message());
    return;
  }
  raw_pruned_by_age_ += static_cast<std::uint64_t>(done->by_age);
  raw_pruned_by_size_ += static_cast<std::uint64_t>(done->by_size);
  raw_retained_bytes_ = static_cast<std::uint64_t>(done->retained_bytes);
}

Result<void> Pipeline::load_landings(LandingTracker& tracker, const std::vector<std::string>& accessions) {
  return store_->read([&](store::Tx& tx) -> Result<void> {
    for (const auto& accession : accessions) {
      auto stages = tx.landing(accession);
      if (!stages) return stages.error();
      for (const auto& s : *stages) {
        if (auto stage = stage_from(s.stage)) {
          tracker.mark(accession, *stage, Clock::time_point(std::chrono::milliseconds(s.at)));
        }
      }
    }
    return {};
  });
}

Result<std::vector<LandingAlert>> Pipeline::alerts() {
  auto accessions =
      store_->read_value<std::vector<std::string>>([](store::Tx& tx) { return tx.landing_accessions(10'000); });
  if (!accessions) return accessions.error();
  LandingTracker tracker(config_.delivery_deadline);
  if (auto r = load_landings(tracker, *accessions); !r) return r.error();
  return tracker.alerts(Clock::now());
}

Result<nlohmann::json> Pipeline::landing(const std::string& accession) {
  LandingTracker tracker(config_.delivery_deadline);
  if (auto r = load_landings(tracker, {accession}); !r) return r.error();
  if (!tracker.find(accession)) return Error{Errc::not_found, "accession " + accession, "no landing recorded"};
  return tracker.timeline(accession);
}

}  // namespace radloop::pipeline
