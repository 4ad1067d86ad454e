// reports_reach_chart: every report the system took reached the EHR's chart, under its true
// patient, with the text the radiologist signed; a report for an order nobody placed reached none.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <map>
#include <set>
#include <thread>

#include "harness/checkers.hpp"
#include "harness/internal/truth.hpp"

namespace radloop::harness {
namespace {

using internal::merges;
using internal::signed_reports;
using internal::SignedReport;
using internal::survivor;

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
bool shows_text(const ehr::ChartEntry& e, const SignedReport& r) {
  const auto charted = as_read(e.text);
  const auto signed_text = as_read(r.text);
  return r.addendum ? charted.find(signed_text) != std::string::npos : charted == signed_text;
}

// The FHIR DiagnosticReport statuses that say what the RIS signed last (FHIR R4 value set
// diagnostic-report-status).
std::set<std::string> published_statuses(const std::string& hl7_status) {
  if (hl7_status == "P") return {"preliminary", "partial"};
  if (hl7_status == "F") return {"final", "appended"};
  return {"corrected", "amended", "appended"};
}

// How far a report has gone: a later status never gives way to an earlier one sent after it.
int rank(const std::string& status) { return status == "P" ? 0 : status == "F" ? 1 : 2; }

// One accession's DiagnosticReports judged against its most advanced signed report: every one on
// the true patient, and one with a status for that report and its text.
Validity judge_one(const std::vector<PublishedReport>& published, const SignedReport& r,
                   const std::map<std::string, std::string>& into, nlohmann::json& entry) {
  const auto allowed = published_statuses(r.status);
  const auto truth = survivor(into, r.patient_id);
  nlohmann::json shown = nlohmann::json::array();
  bool current = false;
  bool all_on_truth = true;
  for (const auto& p : published) {
    const bool status_ok = allowed.contains(p.status);
    const bool patient_ok = std::any_of(p.patient_ids.begin(), p.patient_ids.end(),
                                        [&](const std::string& id) { return survivor(into, id) == truth; });
    const bool text_ok = r.text.empty() || as_read(p.text).find(as_read(r.text)) != std::string::npos;
    current = current || (status_ok && patient_ok && text_ok);
    all_on_truth = all_on_truth && patient_ok;
    shown.push_back({{"id", p.id},
                     {"status", p.status},
                     {"patient_ids", p.patient_ids},
                     {"status_ok", status_ok},
                     {"patient_ok", patient_ok},
                     {"text_ok", text_ok}});
  }
  entry["shown"] = shown;
  if (published.empty()) {
    entry["why"] = "no DiagnosticReport is published for the accession";
  } else if (!all_on_truth) {
    entry["why"] = "a DiagnosticReport for the accession is about another patient than " + truth;
  } else if (!current) {
    entry["why"] =
        fmt::format("no DiagnosticReport shows the {} report on patient {} with the text signed", r.status, truth);
  }
  return all_on_truth && current ? Validity::valid : Validity::invalid;
}

// Each order's report as the system publishes it over FHIR, read again until it shows what was
// signed or patience runs out (a system may publish a little after it charts). A system that
// publishes no FHIR radloop was told of leaves this not exercised; one that fails to answer,
// unknown.
void judge_published(const std::vector<SignedReport>& reports, const std::map<std::string, std::string>& into,
                     SystemUnderTest& system, std::chrono::milliseconds patience, CheckResult& result) {
  std::map<std::string, const SignedReport*> last;
  for (const auto& r : reports) {
    if (!r.accepted || !r.order_known) continue;
    auto& seen = last[r.accession];
    if (seen == nullptr || rank(r.status) >= rank(seen->status)) seen = &r;
  }
  const auto until = std::chrono::steady_clock::now() + patience;
  for (const auto& [accession, r] : last) {
    nlohmann::json entry;
    Validity v = Validity::unknown;
    for (;;) {
      entry = {{"published", accession}, {"status", r->status}, {"truth_patient_id", r->patient_id}};
      auto published = system.published_reports(accession);
      if (!published && published.error().code == Errc::not_observable) {
        entry["why"] = published.error().message();
        entry["valid"] = to_json(Validity::not_exercised);
        result.evidence.push_back(entry);
        return;  // said once: the system publishes no reports radloop can read
      }
      if (!published) {
        v = Validity::unknown;
        entry["why"] = published.error().message();
      } else {
        v = judge_one(*published, *r, into, entry);
      }
      if (v == Validity::valid || std::chrono::steady_clock::now() >= until) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    entry["valid"] = to_json(v);
    worsen(result.valid, v);
    result.evidence.push_back(entry);
  }
}

}  // namespace

CheckResult check_reports_reach_chart(const History& history, const PeerRecords& view, SystemUnderTest* system) {
  CheckResult result{"reports_reach_chart", Validity::not_exercised, nlohmann::json::array()};
  const auto ops = history.operations();
  const auto into = merges(ops);
  const auto reports = signed_reports(ops);
  // Owed: (accession, status) -> the reports signed under it; orphans: accessions nobody ordered.
  std::map<std::pair<std::string, std::string>, std::vector<const SignedReport*>> owed;
  std::vector<const SignedReport*> orphans;
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
  const auto same_patient = [&](const ehr::ChartEntry& e, const SignedReport& r) {
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
    // More than were sent is a duplicate effect: idempotence judges that.
    if (got < sent) why.emplace_back("not every report reached the chart");
    nlohmann::json seen = nlohmann::json::array();
    // Each chart entry shows a report of its own: one text charted twice is not two reports.
    std::vector<bool> shown_already(signed_reports.size(), false);
    const bool compared = std::any_of(signed_reports.begin(), signed_reports.end(),
                                      [](const SignedReport* r) { return !r->text.empty(); });
    for (const auto& [control_id, e] : entries) {
      nlohmann::json shown{{"control_id", control_id}, {"patient_id", e.patient_id}, {"issuer", e.issuer}};
      // Whose chart: the true patient's (the survivor, after a merge).
      if (!same_patient(e, truth)) {
        why.push_back(fmt::format("charted under patient {} ({}), the report is {}'s", e.patient_id, e.issuer,
                                  survivor(into, truth.patient_id)));
      }
      // What a clinician reads there: the text one of these reports signed.
      bool shows = !compared;
      for (std::size_t i = 0; i < signed_reports.size() && !shows; ++i) {
        if (shown_already[i] || signed_reports[i]->text.empty() || !shows_text(e, *signed_reports[i])) continue;
        shown_already[i] = true;
        shows = true;
      }
      if (!shows) {
        why.push_back(fmt::format("the chart shows other text than the RIS signed{}",
                                  truth.addendum ? " (the addendum is missing)" : ""));
        shown["text"] = e.text;
        shown["signed_text"] = truth.text;
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
  // What the chart holds that nobody signed: a status invented on the way, or a report filed on
  // an order it was not signed for (an orphan attached to the patient's open order, say).
  std::set<std::string> accessions_signed;
  for (const auto& r : reports) accessions_signed.insert(r.accession);
  for (const auto& e : chart) {
    if (!e.kept || statuses_sent.contains(e.accession + "|" + e.status)) continue;
    worsen(result.valid, Validity::invalid);
    result.evidence.push_back({{"accession", e.accession},
                               {"status", e.status},
                               {"control_id", e.control_id},
                               {"patient_id", e.patient_id},
                               {"why", accessions_signed.contains(e.accession)
                                           ? "charted with status " + e.status + ", which the RIS never sent for it"
                                           : "charted on order " + e.accession + ", for which nobody signed a report"},
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
  if (system != nullptr) judge_published(reports, into, *system, view.patience, result);
  return result;
}

}  // namespace radloop::harness
