// The checkers of what landed: studies on the right patient and order, kept whole. Ground truth
// comes from the history (internal/truth.hpp); the system's state from its query API.
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
using internal::sent_studies;
using internal::survivor;

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

}  // namespace radloop::harness
