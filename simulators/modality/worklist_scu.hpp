// The modality's Modality Worklist query: C-FIND with chosen keys, the answers as the same plain
// worklist records the archive serves, and the study a chosen item asks for.
#pragma once

#include <vector>

#include "reference/core/result.hpp"
#include "reference/dicom/worklist.hpp"
#include "simulators/modality/study.hpp"
#include "simulators/modality/target.hpp"

namespace radloop::modality {

// Every return key of the worklist model is asked for; the query's non-empty keys match.
// A failure status from the peer is dicom_dimse_failed naming it.
Result<std::vector<dicom::WorklistItem>> query_worklist(const Target& target, const dicom::WorklistQuery& keys);

// The study the item schedules: patient, order, modality, station and date from the item, the
// rest (seed, sizes, counts, transfer syntax) from `base`.
StudySpec spec_from_worklist(const dicom::WorklistItem& item, StudySpec base);

}  // namespace radloop::modality
