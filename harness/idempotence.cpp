// idempotence: a duplicate creates no duplicate effect. Judged on effects anyone can see (the
// EHR's chart, what the RIS was sent, the worklist the system serves, the instances it counts
// in its queries), never on
// the system's own log of what it received: a resend applied twice but logged once shows here.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <set>
#include <thread>

#include "harness/checkers.hpp"
#include "harness/internal/truth.hpp"

namespace radloop::harness {
namespace {

using Key = std::pair<std::string, std::string>;

// Reads until two readings half a second apart agree, or `patience` (at most 3 s) runs out:
// what a peer received is judged once nothing more is arriving.
template <typename Read>
void settled(std::chrono::milliseconds patience, Read read) {
  const auto until = std::chrono::steady_clock::now() + std::min(patience, std::chrono::milliseconds(3'000));
  auto before = read();
  while (std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    auto now = read();
    if (now == before) return;
    before = std::move(now);
  }
}

// Reports: per accession and status, the chart holds no more than the distinct reports taken.
void judge_reports(const std::vector<Operation>& ops, const PeerRecords& peers, CheckResult& result) {
  std::map<Key, std::set<std::string>> taken;
  const auto reports = internal::signed_reports(ops);
  for (std::size_t i = 0; i < reports.size(); ++i) {
    const auto& r = reports[i];
    // Taken, or perhaps taken (no answer came): either may be charted. A resend under the same
    // sender and control ID is the same report; a DICOM report is its own.
    if (!(r.accepted || r.maybe) || !r.order_known) continue;
    taken[{r.accession, r.status}].insert(r.message.empty() ? "#" + std::to_string(i) : r.message);
  }
  if (taken.empty()) return;
  if (!peers.chart) {
    worsen(result.valid, Validity::unknown);
    result.evidence.push_back(
        {{"reports", "unobservable"}, {"why", "the EHR is not a simulator of this run: its chart cannot be read"}});
    return;
  }
  // Read until it holds still: a duplicate may arrive after the last report the check awaited.
  std::map<Key, std::set<std::string>> charted;
  settled(peers.patience, [&] {
    charted.clear();
    for (const auto& e : peers.chart()) {
      if (e.kept) charted[{e.accession, e.status}].insert(e.control_id);
    }
    return charted;
  });
  for (const auto& [key, messages] : taken) {
    const auto sent = std::ssize(messages);
    const auto filed = std::ssize(charted[key]);
    // Nothing charted is reports_reach_chart's to judge: no effect to count here.
    const auto v = filed > sent ? Validity::invalid : filed == 0 ? Validity::not_exercised : Validity::valid;
    nlohmann::json entry{{"report", key.first + " " + key.second}, {"sent", sent}, {"charted", filed}};
    if (v == Validity::invalid) {
      entry["why"] = fmt::format(
          "charted {} times under distinct control IDs for {} report(s) sent: duplicates the "
          "EHR cannot recognise",
          filed, sent);
    }
    entry["valid"] = to_json(v);
    worsen(result.valid, v);
    result.evidence.push_back(entry);
  }
}

// Orders: each new order the EHR placed reaches the RIS once (a retry under the same control ID
// is the same message).
void judge_orders(const std::vector<Operation>& ops, const PeerRecords& peers, CheckResult& result) {
  const auto ended = internal::endings(ops);
  std::map<std::string, std::set<std::string>> placed;  // placer -> the EHR's NW messages taken
  for (const auto& op : ops) {
    if (op.type != OpType::invoke || !op.value.contains("truth")) continue;
    const auto& truth = op.value["truth"];
    if (truth.value("order_control", "") != "NW" || !truth.contains("placer_order")) continue;
    // Answered AA, or perhaps (no answer came).
    const auto found = ended.find(op.value.value("step", std::int64_t{-1}));
    if (found != ended.end() && (found->second.ok || found->second.info))
      placed[truth.value("placer_order", "")].insert(op.value.value("control_id", ""));
  }
  if (placed.empty()) return;
  if (!peers.orders_at_ris) {
    worsen(result.valid, Validity::unknown);
    result.evidence.push_back(
        {{"orders", "unobservable"}, {"why", "the RIS is not a simulator of this run: what it was sent is unknown"}});
    return;
  }
  std::map<std::string, std::set<std::string>> forwarded;
  settled(peers.patience, [&] {
    forwarded.clear();
    for (const auto& o : peers.orders_at_ris()) forwarded[o.placer].insert(o.control_id);
    return forwarded;
  });
  for (const auto& [placer, messages] : placed) {
    const auto sent = std::ssize(messages);
    const auto got = std::ssize(forwarded[placer]);
    const auto v = got > sent ? Validity::invalid : got == 0 ? Validity::not_exercised : Validity::valid;
    nlohmann::json entry{{"order", placer}, {"placed", sent}, {"forwarded_to_ris", got}};
    if (v == Validity::invalid) {
      entry["why"] =
          fmt::format("the RIS was sent {} new orders {} under distinct control IDs for {} placed", got, placer, sent);
    }
    entry["valid"] = to_json(v);
    worsen(result.valid, v);
    result.evidence.push_back(entry);
  }
}

// Orders: a patient's worklist holds no more items than orders were placed for them (performed
// ones may have left it; fewer is no duplicate). Merged patients are one: the survivor's list
// holds the orders of both.
void judge_worklist(const std::vector<Operation>& ops, SystemUnderTest& system, CheckResult& result) {
  const auto into = internal::merges(ops);
  std::map<std::string, std::set<std::string>> placed;  // patient -> placers of new orders taken
  for (const auto& op : ops) {
    if (op.type != OpType::invoke || !op.value.contains("truth")) continue;
    const auto& truth = op.value["truth"];
    if (truth.value("order_control", "") != "NW" || !truth.contains("patient_id")) continue;
    placed[internal::survivor(into, truth.value("patient_id", ""))].insert(truth.value("placer_order", ""));
  }
  if (placed.empty()) return;
  auto entries = system.worklist_entries();
  if (!entries) {
    const auto v = entries.error().code == Errc::not_observable ? Validity::not_exercised : Validity::unknown;
    worsen(result.valid, v);
    result.evidence.push_back(
        {{"worklist", "unobservable"}, {"why", entries.error().message()}, {"valid", to_json(v)}});
    return;
  }
  std::map<std::string, std::vector<std::string>> served;  // patient -> accessions on the worklist
  for (const auto& [patient, accession] : *entries) served[internal::survivor(into, patient)].push_back(accession);
  for (const auto& [patient, placers] : placed) {
    nlohmann::json entry{{"worklist_of", patient}, {"orders_placed", std::ssize(placers)}};
    const auto* accessions = &served[patient];
    Validity v = Validity::valid;
    entry["items"] = *accessions;
    if (accessions->empty()) {
      v = Validity::not_exercised;  // performed or never served: nothing to count
    } else if (std::ssize(*accessions) > std::ssize(placers)) {
      v = Validity::invalid;
      entry["why"] = fmt::format("the worklist serves {} items for {} order(s) placed: an order scheduled twice",
                                 accessions->size(), placers.size());
    }
    entry["valid"] = to_json(v);
    worsen(result.valid, v);
    result.evidence.push_back(entry);
  }
}

// Instances: the system counts no more instances in a study than distinct ones were sent into it
// (the images of its acquisitions, and reports sent as SR or PDF into the same study).
void judge_instances(const std::vector<Operation>& ops, SystemUnderTest& system, CheckResult& result) {
  std::map<std::string, std::int64_t> distinct;  // by Study UID
  for (const auto& op : ops) {
    if (op.type == OpType::invoke || !op.value.contains("study_uid")) continue;
    if (op.f == "modality.acquire")
      distinct[op.value.value("study_uid", "")] += op.value.value("sent", std::int64_t{0});
    if (op.f == "ris.report_sr" || op.f == "ris.report_pdf") distinct[op.value.value("study_uid", "")] += 1;
  }
  for (const auto& sent : internal::sent_studies(ops)) {
    const auto n = distinct[sent.study_uid];
    if (n <= 0) continue;
    nlohmann::json entry{{"study_uid", sent.study_uid}, {"distinct_sent", n}};
    auto found = system.find_study(sent.study_uid);
    Validity v = Validity::valid;
    if (!found) {
      v = Validity::unknown;
      entry["unobservable"] = found.error().message();
    } else if (!found->has_value() || (*found)->instances < 0) {
      v = Validity::not_exercised;  // nothing counted to compare (everything_lands judges absence)
    } else {
      entry["counted"] = (*found)->instances;
      if ((*found)->instances > n) {
        v = Validity::invalid;
        entry["why"] = fmt::format("the system counts {} instances, {} distinct were sent: a resend stored twice",
                                   (*found)->instances, n);
      }
    }
    entry["valid"] = to_json(v);
    worsen(result.valid, v);
    result.evidence.push_back(entry);
  }
}

}  // namespace

CheckResult check_idempotence(const History& history, SystemUnderTest& system, const PeerRecords& peers) {
  CheckResult result{"idempotence", Validity::not_exercised, nlohmann::json::array()};
  const auto ops = history.operations();
  judge_reports(ops, peers, result);
  judge_orders(ops, peers, result);
  judge_worklist(ops, system, result);
  judge_instances(ops, system, result);
  return result;
}

}  // namespace radloop::harness
