// The checkers of what landed: studies on the right patient and order, kept whole, and reports
// in the chart. Ground truth comes from the history; the system's state from its query API.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
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
    const auto accepted = op.value.value("accepted", std::int64_t{0});
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
  CheckResult result{"no_wrong_patient", Validity::not_exercised, nlohmann::json::array()};
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
      v = Validity::not_exercised;
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
  CheckResult result{"everything_lands", Validity::not_exercised, nlohmann::json::array()};
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

namespace {

// A report the RIS signed, as its invocation's truth says.
struct OwedReport {
  std::string step;
  std::string accession;
  std::string status;
  std::string patient_id;
  std::string issuer;
  std::string text;  // empty: not compared (a PDF)
  bool addendum = false;
  bool order_known = true;
  bool accepted = false;  // the system took it (AA/CA, or a DICOM success)
  std::string message;    // sender and control ID: a resend under them is the same report
};

// Text as a clinician reads it: line breaks in any of HL7's spellings are one, trailing blanks on
// a line and blank lines at either end are not there (an empty OBX-5 repetition is written " ").
std::string as_read(std::string_view text) {
  std::vector<std::string> lines{""};
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n') continue;
    if (text[i] == '\r' || text[i] == '\n') {
      lines.emplace_back();
    } else {
      lines.back() += text[i];
    }
  }
  for (auto& line : lines) {
    while (!line.empty() && (line.back() == ' ' || line.back() == '\t')) line.pop_back();
  }
  while (!lines.empty() && lines.back().empty()) lines.pop_back();
  std::size_t first = 0;
  while (first < lines.size() && lines[first].empty()) ++first;
  std::string out;
  for (std::size_t i = first; i < lines.size(); ++i) out += (i == first ? "" : "\n") + lines[i];
  return out;
}

// Whether the chart shows the signed text: equal, or for an addendum, whole within what was
// charted (an addendum may arrive beside the report it amends).
bool shows_text(const ehr::ChartEntry& e, const OwedReport& r) {
  const auto charted = as_read(e.text);
  const auto signed_text = as_read(r.text);
  return r.addendum ? charted.find(signed_text) != std::string::npos : charted == signed_text;
}

std::vector<OwedReport> owed_reports(const std::vector<Operation>& ops) {
  std::vector<OwedReport> out;
  for (const auto& op : ops) {
    if (op.type != OpType::invoke || !op.value.contains("truth")) continue;
    const auto& truth = op.value["truth"];
    if (!truth.contains("report_status")) continue;
    const auto step = op.value.value("step", -1);
    bool accepted = false;
    for (const auto& c : ops) {
      if (c.type == OpType::ok && c.value.value("step", -2) == step) accepted = true;
    }
    out.push_back({op.process, truth.value("accession", ""), truth.value("report_status", ""),
                   truth.value("patient_id", ""), truth.value("issuer", ""), truth.value("text", ""),
                   truth.value("addendum", false), truth.value("order_known", true), accepted,
                   op.value.contains("control_id")
                       ? op.value.value("sender", "") + "|" + op.value.value("control_id", "")
                       : std::string()});
  }
  return out;
}

}  // namespace

CheckResult check_reports_reach_chart(const History& history, const ChartView& view) {
  CheckResult result{"reports_reach_chart", Validity::not_exercised, nlohmann::json::array()};
  const auto ops = history.operations();
  const auto into = merges(ops);
  const auto reports = owed_reports(ops);
  // Owed: (accession, status) -> the reports signed under it; orphans: accessions nobody ordered.
  std::map<std::pair<std::string, std::string>, std::vector<const OwedReport*>> owed;
  std::vector<const OwedReport*> orphans;
  std::set<std::string> statuses_sent;  // accession + status the RIS really sent (any outcome)
  std::set<std::string> messages;       // a resend under the same control ID is owed once
  for (const auto& r : reports) {
    if (!r.message.empty() && r.accepted && !messages.insert(r.message).second) continue;
    // Owed when the system took it; an orphan must reach no chart whatever it was answered.
    if (r.order_known && r.accepted) owed[{r.accession, r.status}].push_back(&r);
    if (!r.order_known) orphans.push_back(&r);
  }
  for (const auto& op : ops) {
    if (op.type != OpType::invoke || !op.value.contains("truth")) continue;
    const auto& truth = op.value["truth"];
    if (truth.contains("report_status"))
      statuses_sent.insert(truth.value("accession", "") + "|" + truth.value("report_status", ""));
  }
  if (owed.empty() && orphans.empty()) return result;
  if (!view.chart) {
    result.valid = Validity::unknown;
    result.evidence.push_back({{"unobservable", "the EHR is not a simulator of this run: its chart cannot be read"}});
    return result;
  }
  // Charted: what the EHR filed per (accession, status), one entry per distinct control ID. A
  // resend under the same control ID is one; under a new one it is a duplicate in the chart.
  std::map<std::pair<std::string, std::string>, std::map<std::string, ehr::ChartEntry>> charted;
  std::vector<ehr::ChartEntry> chart;
  const auto started = std::chrono::steady_clock::now();
  const auto until = started + view.patience;
  // A report that must reach no chart gets a moment to arrive anyway before it is judged absent.
  const auto settle = orphans.empty() ? started : started + std::min(view.patience, std::chrono::milliseconds(500));
  for (;;) {
    charted.clear();
    chart = view.chart();
    for (const auto& e : chart) {
      if (e.kept) charted[{e.accession, e.status}].emplace(e.control_id, e);
    }
    bool all = true;
    for (const auto& [key, signed_reports] : owed) all = all && charted[key].size() >= signed_reports.size();
    const auto now = std::chrono::steady_clock::now();
    if ((all && now >= settle) || now >= until) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  const auto same_patient = [&](const ehr::ChartEntry& e, const OwedReport& r) {
    if (survivor(into, e.patient_id) != survivor(into, r.patient_id)) return false;
    return e.issuer.empty() || r.issuer.empty() || e.issuer == r.issuer;
  };
  for (const auto& [key, signed_reports] : owed) {
    const auto& entries = charted[key];
    const auto sent = std::ssize(signed_reports);
    const auto got = std::ssize(entries);
    const auto& truth = *signed_reports.front();
    nlohmann::json entry{{"accession", key.first},
                         {"status", key.second},
                         {"sent", sent},
                         {"charted", got},
                         {"truth_patient_id", truth.patient_id}};
    std::vector<std::string> why;
    if (got < sent) why.emplace_back("not every report reached the chart");
    if (got > sent) {
      why.emplace_back("charted under more control IDs than were sent: duplicates the EHR cannot recognise");
    }
    nlohmann::json seen = nlohmann::json::array();
    for (const auto& [control_id, e] : entries) {
      nlohmann::json shown{{"control_id", control_id}, {"patient_id", e.patient_id}, {"issuer", e.issuer}};
      // Whose chart: the true patient's (the survivor, after a merge).
      if (!same_patient(e, truth)) {
        why.push_back(fmt::format("charted under patient {} ({}), the report is {}'s", e.patient_id, e.issuer,
                                  survivor(into, truth.patient_id)));
      }
      // What a clinician reads there: the text one of these reports signed.
      const bool compared = std::any_of(signed_reports.begin(), signed_reports.end(),
                                        [](const OwedReport* r) { return !r->text.empty(); });
      if (compared) {
        const bool shows = std::any_of(signed_reports.begin(), signed_reports.end(),
                                       [&](const OwedReport* r) { return !r->text.empty() && shows_text(e, *r); });
        if (!shows) {
          why.push_back(fmt::format("the chart shows other text than the RIS signed{}",
                                    truth.addendum ? " (the addendum is missing)" : ""));
          shown["text"] = e.text;
          shown["signed_text"] = truth.text;
        }
      }
      seen.push_back(shown);
    }
    entry["shown"] = seen;
    const auto v = why.empty() ? Validity::valid : Validity::invalid;
    if (!why.empty()) entry["why"] = fmt::format("{}", fmt::join(why, "; "));
    entry["valid"] = to_json(v);
    worsen(result.valid, v);
    result.evidence.push_back(entry);
  }
  // A status the RIS never sent for an accession it reported on: invented on the way.
  for (const auto& e : chart) {
    if (!e.kept || owed.empty()) continue;
    const bool ours =
        std::any_of(owed.begin(), owed.end(), [&](const auto& o) { return o.first.first == e.accession; });
    if (!ours || statuses_sent.contains(e.accession + "|" + e.status)) continue;
    worsen(result.valid, Validity::invalid);
    result.evidence.push_back({{"accession", e.accession},
                               {"status", e.status},
                               {"control_id", e.control_id},
                               {"why", "charted with status " + e.status + ", which the RIS never sent for it"},
                               {"valid", false}});
  }
  // A report on an order nobody placed belongs in review, never in a chart.
  for (const auto* r : orphans) {
    nlohmann::json entry{{"accession", r->accession}, {"orphan", true}, {"named_patient_id", r->patient_id}};
    nlohmann::json found = nlohmann::json::array();
    for (const auto& e : chart) {
      if (e.kept && e.accession == r->accession)
        found.push_back({{"control_id", e.control_id}, {"patient_id", e.patient_id}});
    }
    const auto v = found.empty() ? Validity::valid : Validity::invalid;
    if (!found.empty()) {
      entry["why"] = "a report for an order nobody placed reached the chart";
      entry["charted"] = found;
    }
    entry["valid"] = to_json(v);
    worsen(result.valid, v);
    result.evidence.push_back(entry);
  }
  return result;
}

}  // namespace radloop::harness
