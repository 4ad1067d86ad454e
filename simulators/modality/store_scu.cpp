// C-STORE over our ASC requestor and DIMSE_storeUser, which streams each file from disk and
// calls back once per PDU (where a slow sender sleeps).
//
//   files --meta--> runs (one per association) --threads--> open --> store each --> release
//                                                             \--> rejected: the run is not sent
#include "simulators/modality/store_scu.hpp"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcmetinf.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <dcmtk/dcmnet/dimse.h>
#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <thread>

#include "reference/dicom/internal/requestor.hpp"

namespace radloop::modality {
namespace {

using dicom::internal::ProposedContext;
using dicom::internal::Requestor;

struct Shared {
  const Target& target;
  const StoreOptions& options;
  EventLog& log;
  const GroundTruth& truth;
  const SentIdentity& sent;
  std::atomic<std::size_t> answered{0};
  std::atomic<bool> aborted{false};
};

void record(Shared& shared, std::string action, std::string detail, const StoreOutcome* outcome = nullptr) {
  ModalityEvent event;
  event.action = std::move(action);
  event.detail = std::move(detail);
  event.truth = shared.truth;
  event.sent_patient_id = shared.sent.patient_id;
  event.sent_accession_number = shared.sent.accession_number;
  if (outcome != nullptr) {
    event.sop_instance_uid = outcome->sop_instance_uid;
    if (outcome->kind == StoreOutcome::Kind::answered) event.status = outcome->status;
  }
  shared.log.record(std::move(event));
}

std::vector<std::string> proposed_for(const StoreOptions& options, const std::string& file_syntax) {
  if (!options.proposed_transfer_syntaxes.empty()) return options.proposed_transfer_syntaxes;
  if (file_syntax == UID_LittleEndianExplicitTransferSyntax)
    return {file_syntax, UID_LittleEndianImplicitTransferSyntax};
  return {file_syntax};
}

void pace(void* data, T_DIMSE_StoreProgress* progress, T_DIMSE_C_StoreRQ* /*request*/) {
  const auto* delay = static_cast<const std::chrono::milliseconds*>(data);
  if (progress->state == DIMSE_StoreProgressing) std::this_thread::sleep_for(*delay);
}

void send_run(Shared& shared, unsigned index, std::vector<StoreOutcome*> run) {
  if (run.empty()) return;
  std::vector<ProposedContext> contexts;
  for (const auto* o : run) {
    auto syntaxes = proposed_for(shared.options, o->transfer_syntax_uid);
    const bool known = std::any_of(contexts.begin(), contexts.end(), [&](const ProposedContext& c) {
      return c.abstract_syntax == o->sop_class_uid && c.transfer_syntaxes == syntaxes;
    });
    if (!known) contexts.push_back({o->sop_class_uid, std::move(syntaxes)});
  }
  const auto& t = shared.target;
  auto opened = Requestor::open({t.host, t.port, t.calling_ae, t.called_ae, t.timeout, t.max_pdu_bytes}, contexts);
  if (!opened) {
    record(shared, "association_rejected",
           fmt::format("association {}: {}; {} instance(s) not sent", index, opened.error().message(), run.size()));
    for (auto* o : run) o->detail = opened.error().message();
    return;
  }
  auto& requestor = **opened;
  std::string refused;
  for (const auto& line : requestor.refused()) refused += "; " + line;
  record(shared, "association",
         fmt::format("association {} accepted ({} instances to send){}", index, run.size(), refused));

  const bool paced = shared.options.pdu_delay.count() > 0;
  auto delay = shared.options.pdu_delay;
  // A transfer that broke off ends this association only; an abort on purpose ends them all.
  bool broken = false;
  for (auto* o : run) {
    if (broken) {
      o->detail = "not sent: the association broke off before it";
      continue;
    }
    if (shared.aborted) {
      o->detail = "not sent: the association was aborted";
      continue;
    }
    const auto context = requestor.accepted(o->sop_class_uid, o->transfer_syntax_uid);
    if (context == 0) {
      o->kind = StoreOutcome::Kind::context_refused;
      o->detail =
          fmt::format("no accepted presentation context for {} in {}", o->sop_class_uid, o->transfer_syntax_uid);
      record(shared, "not_sent", o->detail, o);
      continue;
    }
    T_DIMSE_C_StoreRQ request{};
    request.MessageID = requestor.next_message_id();
    OFStandard::strlcpy(request.AffectedSOPClassUID, o->sop_class_uid.c_str(), sizeof request.AffectedSOPClassUID);
    OFStandard::strlcpy(request.AffectedSOPInstanceUID, o->sop_instance_uid.c_str(),
                        sizeof request.AffectedSOPInstanceUID);
    request.Priority = DIMSE_PRIORITY_MEDIUM;
    request.DataSetType = DIMSE_DATASET_PRESENT;
    T_DIMSE_C_StoreRSP response{};
    DcmDataset* detail = nullptr;
    std::error_code ec;
    const auto size = std::filesystem::file_size(o->path, ec);
    const auto cond =
        DIMSE_storeUser(requestor.association(), context, &request, o->path.c_str(), nullptr, paced ? pace : nullptr,
                        paced ? &delay : nullptr, DIMSE_NONBLOCKING, static_cast<int>(t.timeout.count()), &response,
                        &detail, nullptr, static_cast<long>(ec ? 0 : size));
    delete detail;  // NOLINT(cppcoreguidelines-owning-memory): DCMTK hands over a raw owning pointer
    if (cond.bad()) {
      o->kind = StoreOutcome::Kind::broke_off;
      o->detail = cond.text();
      record(shared, "store", "the transfer broke off: " + o->detail, o);
      broken = true;  // this association is gone; the run stops here
      continue;
    }
    o->kind = StoreOutcome::Kind::answered;
    o->status = response.DimseStatus;
    record(shared, "store", fmt::format("C-STORE answered {:#06x} on association {}", o->status, index), o);
    const auto answered = ++shared.answered;
    if (shared.options.abort_after && answered >= *shared.options.abort_after && !shared.aborted.exchange(true)) {
      requestor.abort();
      record(shared, "abort", fmt::format("A-ABORT on association {} after {} instance(s) answered", index, answered));
    }
  }
  if (broken || shared.aborted) {
    requestor.abort();
  } else {
    requestor.release();
  }
}

}  // namespace

std::string_view to_string(StoreOutcome::Kind kind) {
  switch (kind) {
    case StoreOutcome::Kind::answered: return "answered";
    case StoreOutcome::Kind::context_refused: return "context_refused";
    case StoreOutcome::Kind::broke_off: return "broke_off";
    case StoreOutcome::Kind::not_sent: return "not_sent";
  }
  return "unknown";
}

std::string_view to_string(StoreOptions::Split split) {
  return split == StoreOptions::Split::round_robin ? "round_robin" : "contiguous";
}

Result<StoreOptions::Split> parse_split(std::string_view text) {
  for (const auto split : {StoreOptions::Split::contiguous, StoreOptions::Split::round_robin}) {
    if (text == to_string(split)) return split;
  }
  return Error{Errc::invalid_config, std::string(text), "the split is \"contiguous\" or \"round_robin\""};
}

std::size_t StoreReport::count(StoreOutcome::Kind kind) const {
  return static_cast<std::size_t>(
      std::count_if(outcomes.begin(), outcomes.end(), [&](const StoreOutcome& o) { return o.kind == kind; }));
}

std::size_t StoreReport::accepted() const {
  return static_cast<std::size_t>(std::count_if(outcomes.begin(), outcomes.end(), [](const StoreOutcome& o) {
    return o.kind == StoreOutcome::Kind::answered &&
           (o.status == 0 || (o.status & 0xF000U) == 0xB000U || o.status == 0x0107 || o.status == 0x0116);
  }));
}

Result<StoreReport> send_instances(const Target& target, const std::vector<std::filesystem::path>& files,
                                   const StoreOptions& options, EventLog& log, const GroundTruth& truth,
                                   const SentIdentity& sent) {
  if (options.associations == 0) return Error{Errc::invalid_config, "associations", "at least one is needed"};
  StoreReport report;
  report.outcomes.resize(files.size());
  for (std::size_t i = 0; i < files.size(); ++i) {
    DcmMetaInfo meta;
    if (auto cond = meta.loadFile(files[i].c_str()); cond.bad()) {
      return Error{Errc::invalid_config, files[i].string(), std::string("not a DICOM Part-10 file: ") + cond.text()};
    }
    OFString sop_class;
    OFString sop_instance;
    OFString syntax;
    meta.findAndGetOFString(DCM_MediaStorageSOPClassUID, sop_class);
    meta.findAndGetOFString(DCM_MediaStorageSOPInstanceUID, sop_instance);
    meta.findAndGetOFString(DCM_TransferSyntaxUID, syntax);
    auto& o = report.outcomes[i];
    o.path = files[i];
    o.sop_class_uid = sop_class.c_str();
    o.sop_instance_uid = sop_instance.c_str();
    o.transfer_syntax_uid = syntax.c_str();
  }
  Shared shared{target, options, log, truth, sent};
  const unsigned runs = std::max(1U, std::min<unsigned>(options.associations, static_cast<unsigned>(files.size())));
  std::vector<std::vector<StoreOutcome*>> shares(runs);
  for (std::size_t i = 0; i < files.size(); ++i) {
    const auto r =
        static_cast<unsigned>(options.split == StoreOptions::Split::round_robin ? i % runs : i * runs / files.size());
    report.outcomes[i].association = r;
    shares[r].push_back(&report.outcomes[i]);
  }
  std::vector<std::thread> threads;
  for (unsigned r = 0; r < runs; ++r) {
    auto run = std::move(shares[r]);
    threads.emplace_back([&shared, r, run = std::move(run)]() mutable { send_run(shared, r, std::move(run)); });
  }
  for (auto& thread : threads) thread.join();
  return report;
}

}  // namespace radloop::modality
