// What the pipeline shows of one study: how it is filed, whether it is linked and to which
// order, why it waits; the view a harness (or an operator) checks against the ground truth.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "reference/core/result.hpp"
#include "reference/store/store.hpp"

namespace radloop::pipeline {

struct StudyStatus {
  std::string study_uid;
  std::string patient_id;  // as filed
  std::string issuer;
  std::string accession;
  std::int64_t instances = 0;  // stored and indexed
  std::string state;           // linked, review, pending, rejected
  std::string reason;          // the rule's reason code
  std::string linked_accession;
  std::string linked_patient_id;
  std::string linked_issuer;
};

// nullopt when no study has this UID.
Result<std::optional<StudyStatus>> study_status(store::Store& store, const std::string& study_uid);

}  // namespace radloop::pipeline
