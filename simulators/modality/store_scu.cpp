// C-STORE over our ASC requestor and DIMSE_storeUser, which streams each file from disk and
// calls back once per PDU (where a slow sender sleeps).
//
//   files --meta--> runs (one per association) --threads--> open --> store each --> release
//                                                             \--> rejected: the run is not sent
//   store each: own syntax accepted --> stream the file
//               else an uncompressed one accepted --> convert in memory, send that
//               else --> context refused, with why
#include "simulators/modality/store_scu.hpp"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcmetinf.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <dcmtk/dcmnet/dimse.h>
#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <optional>
#include <thread>
#include <utility>

#include "reference/dicom/internal/requestor.hpp"
#include "simulators/modality/internal/codecs.hpp"

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

bool uncompressed(const std::string& syntax) {
  return syntax == UID_LittleEndianImplicitTransferSyntax || syntax == UID_LittleEndianExplicitTransferSyntax ||
         syntax == UID_BigEndianExplicitTransferSyntax;
}

// The contexts proposed for a file, each a list of transfer syntaxes. An uncompressed file is
// offered in its own syntax and both little endian ones, in one context. A compressed file gets a
// context of its own syntax alone, so the receiver can refuse it without refusing the rest, and
// a second, uncompressed one it can be decompressed into (Implicit VR LE is the syntax every
// storage SCP must accept, PS3.5 10.1).
std::vector<std::vector<std::string>> proposed_for(const StoreOptions& options, const std::string& file_syntax) {
  if (!options.proposed_transfer_syntaxes.empty()) return {options.proposed_transfer_syntaxes};
  const std::vector<std::string> plain{UID_LittleEndianExplicitTransferSyntax, UID_LittleEndianImplicitTransferSyntax};
  if (uncompressed(file_syntax)) {
    std::vector<std::string> syntaxes{file_syntax};
    for (const auto& s : plain) {
      if (s != file_syntax) syntaxes.push_back(s);
    }
    return {syntaxes};
  }
  return {{file_syntax}, plain};
}

// The accepted context to send a file in: its own syntax if the receiver took it, else one it
// can be converted to (uncompressed). Empty when there is none, with why in `why`.
std::optional<std::pair<T_ASC_PresentationContextID, std::string>> context_for(const Requestor& requestor,
                                                                               const StoreOutcome& o,
                                                                               const StoreOptions& options,
                                                                               std::string& why) {
  const auto accepted = requestor.accepted_syntaxes(o.sop_class_uid);
  for (const auto& a : accepted) {
    if (a.second == o.transfer_syntax_uid) return a;
  }
  // A fault that proposes one syntax on purpose sends nothing else.
  if (options.proposed_transfer_syntaxes.empty()) {
    for (const auto& a : accepted) {
      if (uncompressed(a.second)) return a;
    }
  }
  why = accepted.empty() ? fmt::format("no accepted presentation context for {}", o.sop_class_uid)
                         : fmt::format("no accepted presentation context for {} in {} or a syntax it converts to",
                                       o.sop_class_uid, o.transfer_syntax_uid);
  return std::nullopt;
}

// The file's data set in `syntax`: decompressed or re-encoded by DCMTK, in memory.
Result<std::unique_ptr<DcmFileFormat>> converted(const StoreOutcome& o, const std::string& syntax) {
  internal::ensure_codecs_registered();
  auto file = std::make_unique<DcmFileFormat>();
  if (auto cond = file->loadFile(o.path.c_str()); cond.bad()) {
    return Error{Errc::io_failed, o.path.string(), std::string("cannot read the instance: ") + cond.text()};
  }
  const DcmXfer target(syntax.c_str());
  auto* dataset = file->getDataset();
  if (auto cond = dataset->chooseRepresentation(target.getXfer(), nullptr);
      cond.bad() || !dataset->canWriteXfer(target.getXfer())) {
    return Error{Errc::invalid_input, o.path.string(),
                 fmt::format("cannot convert from {} to {}{}", o.transfer_syntax_uid, syntax,
                             cond.bad() ? std::string(": ") + cond.text() : std::string())};
  }
  return file;
}

void pace(void* data, T_DIMSE_StoreProgress* progress, T_DIMSE_C_StoreRQ* /*request*/) {
  const auto* delay = static_cast<const std::chrono::milliseconds*>(data);
  if (progress->state == DIMSE_StoreProgressing) std::this_thread::sleep_for(*delay);
}

void send_run(Shared& shared, unsigned index, std::vector<StoreOutcome*> run) {
  if (run.empty()) return;
  std::vector<ProposedContext> contexts;
  for (const auto* o : run) {
    for (auto& syntaxes : proposed_for(shared.options, o->transfer_syntax_uid)) {
      const bool known = std::any_of(contexts.begin(), contexts.end(), [&](const ProposedContext& c) {
        return c.abstract_syntax == o->sop_class_uid && c.transfer_syntaxes == syntaxes;
      });
      if (!known) contexts.push_back({o->sop_class_uid, std::move(syntaxes)});
    }
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
    std::string why;
    const auto chosen = context_for(requestor, *o, shared.options, why);
    if (!chosen) {
      o->kind = StoreOutcome::Kind::context_refused;
      o->detail = why;
      record(shared, "not_sent", o->detail, o);
      continue;
    }
    const auto context = chosen->first;
    // In another syntax than the file's: converted in memory and sent from there. A file the
    // modality cannot convert is its own failure, not the receiver's refusal.
    std::unique_ptr<DcmFileFormat> in_memory;
    if (chosen->second != o->transfer_syntax_uid) {
      auto made = converted(*o, chosen->second);
      if (!made) {
        o->kind = StoreOutcome::Kind::not_sent;
        o->detail = "not sent: " + made.error().message();
        record(shared, "not_sent", o->detail, o);
        continue;
      }
      in_memory = std::move(made).value();
    }
    o->sent_transfer_syntax_uid = chosen->second;
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
    const auto size = in_memory ? 0 : std::filesystem::file_size(o->path, ec);
    const auto cond = DIMSE_storeUser(requestor.association(), context, &request, in_memory ? nullptr : o->path.c_str(),
                                      in_memory ? in_memory->getDataset() : nullptr, paced ? pace : nullptr,
                                      paced ? &delay : nullptr, DIMSE_NONBLOCKING, static_cast<int>(t.timeout.count()),
                                      &response, &detail, nullptr, static_cast<long>(ec ? 0 : size));
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
    record(shared, "store",
           fmt::format("C-STORE answered {:#06x} on association {}{}", o->status, index,
                       in_memory ? " (sent in " + o->sent_transfer_syntax_uid + ", converted from " +
                                       o->transfer_syntax_uid + ")"
                                 : std::string()),
           o);
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
