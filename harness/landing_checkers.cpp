// The checkers of what landed: studies on the right patient and order, kept whole, and reports
// in the chart. Ground truth comes from the history; the system's state from its query API.
#include <fmt/format.h>

#include <map>
#include <set>
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
  std::string truth_issuer;
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
                   truth.value("accession", ""), truth.value("issuer", ""), accepted});
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
          {"linked_patient_id", s.linked_patient_id},
          {"linked_issuer", s.linked_issuer}};
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
        // Linked: the order it was tied to decides whose it is, and the study must be filed
        // under that patient too (not under the ID some console typed).
        if (s.linked_patient_id.empty()) {
          v = Validity::unknown;
        } else if (!same(s.linked_patient_id, sent.truth_patient)) {
          v = Validity::invalid;
          entry["why"] = "linked to an order of patient " + s.linked_patient_id;
        } else if (!same(s.patient_id, sent.truth_patient) ||
                   (!s.linked_issuer.empty() && !sent.truth_issuer.empty() && s.linked_issuer != sent.truth_issuer)) {
          v = Validity::invalid;
          entry["why"] = "filed under patient " + s.patient_id + " (" + s.issuer + "), linked to an order of " +
                         s.linked_patient_id + " (" + s.linked_issuer + ")";
        }
      } else if (s.state.empty() && !same(s.patient_id, sent.truth_patient)) {
        // No link state to see: the patient it is filed under is whose the system says it is.
        v = Validity::invalid;
        entry["why"] = "filed under patient ID " + s.patient_id;
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
      if (s.instances >= 0 && s.instances < sent.accepted) {
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
  // Charted: the distinct control IDs the EHR filed (answered AA) per (accession, status). A
  // resend under the same control ID is one; under a new one it is a duplicate in the chart.
  std::map<std::pair<std::string, std::string>, std::set<std::string>> charted;
  const auto until = std::chrono::steady_clock::now() + view.patience;
  for (;;) {
    charted.clear();
    for (const auto& e : view.chart()) {
      // Filed: answered AA, or held without an answer (the EHR kept it; its ACK was lost).
      if (e.answered == "AA" || e.answered == "none") charted[{e.accession, e.status}].insert(e.control_id);
    }
    bool all = true;
    for (const auto& [key, n] : owed) all = all && std::ssize(charted[key]) >= n;
    if (all || std::chrono::steady_clock::now() >= until) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  for (const auto& [key, n] : owed) {
    const auto got = std::ssize(charted[key]);
    nlohmann::json entry{{"accession", key.first}, {"status", key.second}, {"sent", n}, {"charted", got}};
    auto v = Validity::valid;
    if (got < n) {
      v = Validity::invalid;
      entry["why"] = "not every report reached the chart";
    } else if (got > n) {
      v = Validity::invalid;
      entry["why"] = "charted under more control IDs than were sent: duplicates the EHR cannot recognise";
    }
    entry["valid"] = to_json(v);
    worsen(result.valid, v);
    result.evidence.push_back(entry);
  }
  return result;
}

}  // namespace radloop::harness
