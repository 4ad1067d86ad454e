// The reconciliation rules as pure functions: a study (or report) against the open orders, to a
// decision with a reason code; never a guess. See README.md for the failure each rule guards.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "reference/match/records.hpp"

namespace radloop::match {

enum class Reason : std::uint8_t {
  exact_patient_and_accession,  // link
  study_uid_from_order,         // link
  accession_other_patient,      // review: possible wrong patient
  issuer_differs,               // review: same ID at another facility is another patient
  accession_collision,          // review: one accession, several orders
  accession_near_miss,          // review: one transposition or substitution from an open order
  blank_accession,              // review, with candidates
  no_order_yet,                 // pending: the order may still arrive
};
std::string_view to_string(Reason reason);

struct Candidate {
  std::string order_id;
  int score = 0;    // higher first
  std::string why;  // "same patient, same modality, 1 day apart"
};

struct Decision {
  enum class Kind : std::uint8_t { link, review, pending };
  Kind kind = Kind::pending;
  Reason reason = Reason::no_order_yet;
  std::string order_id;               // for link (and the suggestion of a near miss)
  std::vector<Candidate> candidates;  // ranked, for review
  std::string explanation;            // a sentence for the review queue
};
std::string_view to_string(Decision::Kind kind);

// How one source writes its patient IDs, so two spellings of one MRN compare equal. Only what
// configuration says is applied: there is no guessing.
struct IdRule {
  std::string source;  // a calling AE title; "" applies to every source without a rule of its own
  std::string strip_prefix;
  bool strip_leading_zeros = false;
};

struct MatchConfig {
  std::vector<IdRule> id_rules;
  int candidate_window_days = 7;  // blank accession: orders of the patient this close in date
};

std::string normalise_patient_id(std::string_view id, std::string_view source, const MatchConfig& config);

// One adjacent transposition or one substitution apart (same length), and not equal.
bool near_miss(std::string_view a, std::string_view b);

Decision decide(const StudyView& study, const OrderIndex& orders, const MatchConfig& config = {});

// At order intake: the open orders that already use this order's accession (a collision when
// not empty); both are flagged, and studies for that accession go to review.
std::vector<OrderView> accession_collisions(const OrderView& incoming, const OrderIndex& orders);

}  // namespace radloop::match
