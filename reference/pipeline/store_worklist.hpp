// The Modality Worklist answered from the order store: every accessioned order that is new or
// scheduled, with its patient's current demographics (an A08 shows at the next query).
#pragma once

#include "reference/dicom/worklist.hpp"
#include "reference/store/store.hpp"

namespace radloop::pipeline {

class StoreWorklist final : public dicom::OrderSource {
 public:
  explicit StoreWorklist(store::Store& store) : store_(store) {}
  [[nodiscard]] std::vector<dicom::WorklistItem> worklist() const override;

 private:
  store::Store& store_;
};

}  // namespace radloop::pipeline
