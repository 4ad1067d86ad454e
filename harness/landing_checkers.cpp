// The checkers of what landed: studies on the right patient and order, kept whole, and reports
// in the chart. Ground truth comes from the history; the system's state from its query API.
#include <fmt/format.h>

#include <map>
#include <thread>

#include "harness/checkers.hpp"

namespace radloop::harness {
namespace {

// A study a modality step sent with at least one instance accepted.
struct SentStudy {
  std::string step;
  std::string study_uid;
  std::string truth_patient;
  std::string truth_accession;
  std::int64_t accepted = 0;
};

std::vector<SentStudy> sent_studies(const std::vector<Operation>& ops) {
  std::vector<SentStudy> out;
  for (const auto& op : ops) {
    if (op.f != "modality.acquire" || op.type == OpType::invoke || !op.value.contains("truth")) continue;
    const auto accepted = std::stoll(op.value.value("accepted", std::string("0")));
    if (accepted == 0) continue;
    const auto& truth = op.value["truth"];
    out.push_back({op.process, op.value.value("study_uid", ""), truth.value("patient_id", ""),
                   truth.value("accession", ""), accepted});
  }
  return out;
}

// Patients merged by an accepted A40, prior MRN -> survivor: a study of the prior patient
// belongs to the survivor afterwards.
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

void worsen(Validity& verdict, Validity v) {
  if (v == Validity::invalid || (v == Validity::unknown && verdict == Validity::valid)) verdict = v;
}

nlohmann::json shown(const LandedStudy& s) {
  return {{"state", s.state},
          {"reason", s.reason},
          {"patient_id", s.patient_id},
          {"accession", s.accession},
          {"instances", s.instances},
          {"linked_accession", s.linked_accession},
          {"linked_patient_id", s.linked_patient_id}};
}

}  // namespace

CheckResult check_no_wrong_patient(const History& history, SystemUnderTest& system) {
  CheckResult result{"no_wrong_patient", Validity::valid, nlohmann::json::array()};
  const auto ops = history.operations();
  const auto into = merges(ops);
  const auto same = [&](const std::string& a, const std::string& b) { return survivor(into, a) == survivor(into, b); };
  for (const auto& sent : sent_studies(ops)) {
    nlohmann::json entry{{"study", sent.step}, {"study_uid", sent.study_uid}, {"truth_patient_id", sent.truth_patient}};
    auto found = system.find_study(sent.study_uid);
    Validity v = Validity::valid;
    if (!found) {
      v = Validity::unknown;
      entry["unobservable"] = found.error().message();
    } else if (!found->has_value()) {
      entry["shown"] = "no such study (everything_lands judges that)";
    } else {
      const auto& s = **found;
      entry["shown"] = shown(s);
      if (s.state == "linked") {
        // Linked: the order it was tied to decides whose it is.
        if (s.linked_patient_id.empty()) {
          v = Validity::unknown;
        } else if (!same(s.linked_patient_id, sent.truth_patient)) {
          v = Validity::invalid;
        }
      } else if (s.state.empty() && !same(s.patient_id, sent.truth_patient)) {
        // No link state to see: the patient it is filed under is whose the system says it is.
        v = Validity::invalid;
      }
    }
    entry["valid"] = to_json(v);
    worsen(result.valid, v);
    result.evidence.push_back(entry);
  }
  return result;
}

CheckResult check_everything_lands(const History& history, SystemUnderTest& system) {
  CheckResult result{"everything_lands", Validity::valid, nlohmann::json::array()};
  for (const auto& sent : sent_studies(history.operations())) {
    nlohmann::json entry{{"study", sent.step},
                         {"study_uid", sent.study_uid},
                         {"accepted", sent.accepted},
                         {"truth_accession", sent.truth_accession}};
    auto found = system.find_study(sent.study_uid);
    Validity v = Validity::valid;
    std::string why;
    if (!found) {
      v = Validity::unknown;
      why = found.error().message();
    } else if (!found->has_value()) {
      v = Validity::invalid;
      why = fmt::format("{} instance(s) were answered success, the system holds no such study", sent.accepted);
    } else {
      const auto& s = **found;
      entry["shown"] = shown(s);
      if (s.instances < sent.accepted) {
        v = Validity::invalid;
        why = fmt::format("{} instance(s) were answered success, {} are queryable", sent.accepted, s.instances);
      } else if (s.state == "linked") {
        if (s.linked_accession.empty() || sent.truth_accession.empty()) {
          v = Validity::unknown;
          why = "linked, but the order's accession cannot be compared";
        } else if (s.linked_accession != sent.truth_accession) {
          v = Validity::invalid;
          why = "linked to order " + s.linked_accession + ", its true order is " + sent.truth_accession;
        }
      } else if (s.state == "review" || s.state == "pending") {
        why = "held (" + s.state + ", " + s.reason + ")";
      } else if (s.state == "rejected") {
        v = Validity::invalid;
        why = "accepted, then rejected: the images are no longer filed";
      } else {
        v = Validity::unknown;
        why = "the system shows no link to an order";
      }
    }
    if (!why.empty()) entry["why"] = why;
    entry["valid"] = to_json(v);
    worsen(result.valid, v);
    result.evidence.push_back(entry);
  }
  return result;
}

CheckResult check_reports_reach_chart(const History& history, const ChartView& view) {
  CheckResult result{"reports_reach_chart", Validity::valid, nlohmann::json::array()};
  // Owed: (accession, status) -> how many accepted reports, from each invocation's ground truth.
  std::map<std::pair<std::string, std::string>, int> owed;
  std::map<std::string, nlohmann::json> by_step;
  const auto ops = history.operations();
  for (const auto& op : ops) {
    if (op.type != OpType::invoke || !op.value.contains("truth")) continue;
    const auto& truth = op.value["truth"];
    if (!truth.contains("report_status")) continue;
    const auto step = op.value.value("step", -1);
    bool accepted = false;
    for (const auto& c : ops) {
      if (c.type == OpType::ok && c.value.value("step", -2) == step) accepted = true;
    }
    if (!accepted) continue;
    if (!truth.value("order_known", true)) continue;  // no order to chart it on: held for review
    ++owed[{truth.value("accession", ""), truth.value("report_status", "")}];
  }
  if (owed.empty()) return result;
  if (!view.chart) {
    result.valid = Validity::unknown;
    result.evidence.push_back({{"unobservable", "the EHR is not a simulator of this run: its chart cannot be read"}});
    return result;
  }
  std::map<std::pair<std::string, std::string>, int> charted;
  const auto until = std::chrono::steady_clock::now() + view.patience;
  for (;;) {
    charted.clear();
    for (const auto& e : view.chart()) {
      if (e.answered == "AA") ++charted[{e.accession, e.status}];
    }
    bool all = true;
    for (const auto& [key, n] : owed) all = all && charted[key] >= n;
    if (all || std::chrono::steady_clock::now() >= until) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  for (const auto& [key, n] : owed) {
    const auto got = charted[key];
    const auto v = got >= n ? Validity::valid : Validity::invalid;
    worsen(result.valid, v);
    result.evidence.push_back(
        {{"accession", key.first}, {"status", key.second}, {"sent", n}, {"charted", got}, {"valid", to_json(v)}});
  }
  return result;
}

}  // namespace radloop::harness
