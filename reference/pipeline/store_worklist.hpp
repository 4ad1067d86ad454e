// The Modality Worklist answered from the order store: every accessioned order that is new or
// scheduled, with its patient's current demographics (an A08 shows at the next query).
#pragma once

#include "reference/dicom/worklist.hpp"
#include "reference/store/store.hpp"

namespace radloop::pipeline {

class StoreWorklist final : public dicom::OrderSource {
 public:
  // shifted: the sabotage worklist_shifted_patients (each item carries the patient of the order
  // before it, an export off by one row).
  explicit StoreWorklist(store::Store& store, bool shifted = false) : store_(store), shifted_(shifted) {}
  [[nodiscard]] std::vector<dicom::WorklistItem> worklist() const override;

 private:
  store::Store& store_;
  bool shifted_ = false;
};

}  // namespace radloop::pipeline
