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

std::vector<SignedReport> signed_reports(const std::vector<Operation>& ops) {
  std::vector<SignedReport> out;
  for (const auto& op : ops) {
    if (op.type != OpType::invoke || !op.value.contains("truth")) continue;
    const auto& truth = op.value["truth"];
    if (!truth.contains("report_status")) continue;
    const auto step = op.value.value("step", -1);
    bool accepted = false;
    bool maybe = false;
    for (const auto& c : ops) {
      if (c.type == OpType::invoke || c.value.value("step", -2) != step) continue;
      accepted = accepted || c.type == OpType::ok;
      maybe = maybe || c.type == OpType::info;
    }
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
