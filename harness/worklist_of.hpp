// A system's Modality Worklist as a stranger sees it: every item it serves, as (patient ID,
// accession), asked by one C-FIND on its DICOM service.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "harness/system_under_test.hpp"
#include "reference/core/result.hpp"

namespace radloop::harness {

// A system that serves no worklist (the association or the context is refused) is not_observable.
Result<std::vector<std::pair<std::string, std::string>>> worklist_entries(const Endpoints& system);

}  // namespace radloop::harness
