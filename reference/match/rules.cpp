// The reconciliation rules (see rules.hpp and README.md): tried in order, the first that applies
// decides. A link needs two independent keys to agree; anything less goes to review or waits.
#include "reference/match/rules.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <optional>

namespace radloop::match {
namespace {

const IdRule* rule_for(std::string_view source, const MatchConfig& config) {
  const IdRule* fallback = nullptr;
  for (const auto& rule : config.id_rules) {
    if (rule.source == source) return &rule;
    if (rule.source.empty()) fallback = &rule;
  }
  return fallback;
}

// Days between two YYYYMMDD dates; a large number when either is not a date.
int days_apart(std::string_view a, std::string_view b) {
  auto parse = [](std::string_view d) -> std::optional<std::chrono::sys_days> {
    if (d.size() != 8 || !std::all_of(d.begin(), d.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      return std::nullopt;
    }
    const int y = std::stoi(std::string(d.substr(0, 4)));
    const auto m = static_cast<unsigned>(std::stoi(std::string(d.substr(4, 2))));
    const auto day = static_cast<unsigned>(std::stoi(std::string(d.substr(6, 2))));
    const std::chrono::year_month_day ymd{std::chrono::year{y}, std::chrono::month{m}, std::chrono::day{day}};
    if (!ymd.ok()) return std::nullopt;
    return std::chrono::sys_days{ymd};
  };
  const auto x = parse(a);
  const auto y = parse(b);
  if (!x || !y) return 1'000'000;
  return std::abs(static_cast<int>((*x - *y).count()));
}

PatientKey normalised(const PatientKey& key, std::string_view source, const MatchConfig& config) {
  return {normalise_patient_id(key.id, source, config), key.issuer};
}

Decision review(Reason reason, std::string explanation, std::vector<Candidate> candidates = {},
                std::string suggestion = {}) {
  Decision d;
  d.kind = Decision::Kind::review;
  d.reason = reason;
  d.order_id = std::move(suggestion);
  d.candidates = std::move(candidates);
  d.explanation = std::move(explanation);
  return d;
}

Decision link(Reason reason, const OrderView& order, std::string explanation) {
  Decision d;
  d.kind = Decision::Kind::link;
  d.reason = reason;
  d.order_id = order.order_id;
  d.explanation = std::move(explanation);
  return d;
}

// Orders of the same patient, ranked: modality agreeing and date closeness.
std::vector<Candidate> candidates_for(const StudyView& study, const PatientKey& patient, const OrderIndex& orders,
                                      const MatchConfig& config) {
  std::vector<Candidate> out;
  for (const auto& order : orders.by_patient(patient)) {
    const int apart = days_apart(order.scheduled_date, study.study_date);
    if (apart > config.candidate_window_days) continue;
    const bool same_modality = !study.modality.empty() && order.modality == study.modality;
    out.push_back({order.order_id, (same_modality ? 100 : 0) - apart,
                   fmt::format("same patient, {} modality, {} day{} apart", same_modality ? "same" : "other", apart,
                               apart == 1 ? "" : "s")});
  }
  std::stable_sort(out.begin(), out.end(), [](const Candidate& a, const Candidate& b) { return a.score > b.score; });
  return out;
}

}  // namespace

std::string_view to_string(Reason reason) {
  switch (reason) {
    case Reason::exact_patient_and_accession: return "exact_patient_and_accession";
    case Reason::study_uid_from_order: return "study_uid_from_order";
    case Reason::accession_other_patient: return "accession_other_patient";
    case Reason::issuer_differs: return "issuer_differs";
    case Reason::accession_collision: return "accession_collision";
    case Reason::accession_near_miss: return "accession_near_miss";
    case Reason::blank_accession: return "blank_accession";
    case Reason::no_order_yet: return "no_order_yet";
  }
  return "unknown";
}

std::string_view to_string(Decision::Kind kind) {
  switch (kind) {
    case Decision::Kind::link: return "link";
    case Decision::Kind::review: return "review";
    case Decision::Kind::pending: return "pending";
  }
  return "unknown";
}

std::string normalise_patient_id(std::string_view id, std::string_view source, const MatchConfig& config) {
  std::string out(id);
  const IdRule* rule = rule_for(source, config);
  if (rule == nullptr) return out;
  if (!rule->strip_prefix.empty() && out.starts_with(rule->strip_prefix)) out.erase(0, rule->strip_prefix.size());
  if (rule->strip_leading_zeros) {
    const auto first = out.find_first_not_of('0');
    out = first == std::string::npos ? (out.empty() ? out : std::string("0")) : out.substr(first);
  }
  return out;
}

bool near_miss(std::string_view a, std::string_view b) {
  if (a.size() != b.size() || a == b) return false;
  std::vector<std::size_t> differ;
  for (std::size_t i = 0; i < a.size() && differ.size() <= 2; ++i) {
    if (a[i] != b[i]) differ.push_back(i);
  }
  if (differ.size() == 1) return true;  // one substitution
  return differ.size() == 2 && differ[1] == differ[0] + 1 && a[differ[0]] == b[differ[1]] &&
         a[differ[1]] == b[differ[0]];  // two neighbours swapped
}

Decision decide(const StudyView& study, const OrderIndex& orders, const MatchConfig& config) {
  const PatientKey patient = normalised(study.patient, study.source, config);
  const auto same_patient = [&](const OrderView& o) { return normalised(o.patient, "", config) == patient; };

  // The order named this study's UID (a ZDS segment): the RIS told us which study is whose. The
  // patient must still agree: a UID is not a licence to file images under someone else.
  if (!study.study_instance_uid.empty()) {
    const auto by_uid = orders.by_study_uid(study.study_instance_uid);
    if (by_uid.size() == 1 && same_patient(by_uid.front())) {
      return link(Reason::study_uid_from_order, by_uid.front(),
                  "the order " + by_uid.front().order_id + " carries this Study Instance UID");
    }
  }

  if (study.accession.empty()) {
    return review(Reason::blank_accession, "the study has no accession number",
                  candidates_for(study, patient, orders, config));
  }

  const auto by_accession = orders.by_accession(study.accession);
  if (by_accession.size() > 1) {
    std::vector<Candidate> all;
    all.reserve(by_accession.size());
    for (const auto& o : by_accession) all.push_back({o.order_id, same_patient(o) ? 1 : 0, "uses this accession"});
    std::stable_sort(all.begin(), all.end(), [](const Candidate& a, const Candidate& b) { return a.score > b.score; });
    return review(Reason::accession_collision,
                  fmt::format("accession {} is used by {} orders", study.accession, by_accession.size()), all);
  }
  if (by_accession.size() == 1) {
    const auto& order = by_accession.front();
    if (same_patient(order)) {
      return link(Reason::exact_patient_and_accession, order,
                  "patient " + patient.id + " (" + patient.issuer + ") and accession " + study.accession + " agree");
    }
    const PatientKey ordered = normalised(order.patient, "", config);
    if (ordered.id == patient.id) {
      return review(Reason::issuer_differs,
                    fmt::format("patient ID {} is issued by \"{}\" on the study and by \"{}\" on order {}: two "
                                "facilities, two patients",
                                patient.id, patient.issuer, ordered.issuer, order.order_id),
                    {{order.order_id, 0, "same accession, same ID, another issuer"}});
    }
    return review(Reason::accession_other_patient,
                  fmt::format("accession {} belongs to order {} for patient {}, the study says patient {}",
                              study.accession, order.order_id, ordered.id, patient.id),
                  {{order.order_id, 0, "same accession, other patient"}});
  }

  // No order has this accession: a typing slip against one of the patient's open orders?
  std::vector<Candidate> slips;
  for (const auto& order : orders.by_patient(patient)) {
    if (near_miss(order.accession, study.accession)) {
      slips.push_back({order.order_id, 1, "accession " + order.accession + " is one slip away"});
    }
  }
  if (!slips.empty()) {
    // Named before the call: the arguments' order of evaluation is not fixed, and one moves slips.
    const auto suggestion = slips.front().order_id;
    const auto explanation =
        fmt::format("no order has accession {}; {} of this patient's orders is one transposition or substitution away",
                    study.accession, slips.size());
    return review(Reason::accession_near_miss, explanation, std::move(slips), suggestion);
  }
  Decision wait;
  wait.kind = Decision::Kind::pending;
  wait.reason = Reason::no_order_yet;
  wait.explanation = "no order has accession " + study.accession + " yet; held until it arrives";
  return wait;
}

std::vector<OrderView> accession_collisions(const OrderView& incoming, const OrderIndex& orders) {
  std::vector<OrderView> out;
  if (incoming.accession.empty()) return out;
  for (auto& o : orders.by_accession(incoming.accession)) {
    if (o.order_id != incoming.order_id) out.push_back(std::move(o));
  }
  return out;
}

}  // namespace radloop::match
