// Patient Root and Study Root C-FIND over the stored instances: the identifier read, matched
// against the catalog at its Query/Retrieve Level, and one reply per matching entity, built only
// when the one before it has gone out (a query that matches a whole archive holds one reply at a
// time, and a C-CANCEL stops the building too).
#pragma once

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdatset.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "reference/dicom/instance.hpp"

namespace radloop::dicom::internal {

enum class InformationModel : std::uint8_t { patient_root, study_root };

struct StoredQueryAnswer {
  std::uint16_t status = 0;  // non-zero: the failure to answer with, and error says why
  std::string error;
  std::string level;  // PATIENT, STUDY, SERIES or IMAGE
  std::string keys;   // the non-empty matching keys, for events
  // The next matching entity's reply, built when called; null after the last. Unset on failure.
  std::function<std::unique_ptr<DcmDataset>()> next;
};

// Keys the catalog does not know are returned empty and do not restrict the match. Matching is
// PS3.4 C.2.2.2: UID lists, date and time ranges, wildcards, all case-sensitive.
StoredQueryAnswer answer_stored_query(const DcmDataset& identifier, InformationModel model,
                                      const std::vector<InstanceRecord>& records, const std::string& retrieve_ae);

}  // namespace radloop::dicom::internal
