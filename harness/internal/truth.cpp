// Reading the ground truth back from a history (see the header).
#include "harness/internal/truth.hpp"

namespace radloop::harness::internal {

std::vector<SentStudy> sent_studies(const std::vector<Operation>& ops) {
  std::vector<SentStudy> out;
  for (const auto& op : ops) {
    if (op.f != "modality.acquire" || op.type == OpType::invoke || !op.value.contains("truth")) continue;
    const auto accepted = op.value.value("accepted", std::int64_t{0});
    if (accepted == 0) continue;
    const auto& truth = op.value["truth"];
    out.push_back({op.process, op.value.value("study_uid", ""), truth.value("patient_id", ""),
                   truth.value("accession", ""), truth.value("issuer", ""), accepted,
                   op.value.value("sent", std::int64_t{0})});
  }
  return out;
}

std::map<std::string, std::string> merges(const std::vector<Operation>& ops) {
  std::map<std::string, std::string> into;
  for (const auto& op : ops) {
    if (op.type != OpType::invoke || !op.value.contains("truth")) continue;
    const auto& truth = op.value["truth"];
    if (truth.contains("merged_from")) into[truth.value("merged_from", "")] = truth.value("patient_id", "");
  }
  return into;
}

std::string survivor(const std::map<std::string, std::string>& into, std::string mrn) {
  for (int hops = 0; hops < 16 && into.contains(mrn); ++hops) mrn = into.at(mrn);
  return mrn;
}

std::map<std::int64_t, Ended> endings(const std::vector<Operation>& ops) {
  std::map<std::int64_t, Ended> out;
  for (const auto& op : ops) {
    if (op.type == OpType::invoke) continue;
    auto& ended = out[op.value.value("step", std::int64_t{-1})];
    ended.ok = ended.ok || op.type == OpType::ok;
    ended.info = ended.info || op.type == OpType::info;
  }
  return out;
}

std::vector<SignedReport> signed_reports(const std::vector<Operation>& ops) {
  const auto ended = endings(ops);
  std::vector<SignedReport> out;
  for (const auto& op : ops) {
    if (op.type != OpType::invoke || !op.value.contains("truth")) continue;
    const auto& truth = op.value["truth"];
    if (!truth.contains("report_status")) continue;
    const auto found = ended.find(op.value.value("step", std::int64_t{-1}));
    const bool accepted = found != ended.end() && found->second.ok;
    const bool maybe = found != ended.end() && found->second.info;
    out.push_back({op.process, truth.value("accession", ""), truth.value("report_status", ""),
                   truth.value("patient_id", ""), truth.value("issuer", ""), truth.value("text", ""),
                   truth.value("addendum", false), truth.value("order_known", true), accepted, maybe,
                   op.value.contains("control_id")
                       ? op.value.value("sender", "") + "|" + op.value.value("control_id", "")
                       : std::string()});
  }
  return out;
}

}  // namespace radloop::harness::internal
