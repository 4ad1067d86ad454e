// The worklist from the order store (see store_worklist.hpp).
#include "reference/pipeline/store_worklist.hpp"

#include <spdlog/spdlog.h>

namespace radloop::pipeline {

std::vector<dicom::WorklistItem> StoreWorklist::worklist() const {
  std::vector<dicom::WorklistItem> items;
  auto read = store_.read([&](store::Tx& tx) -> Result<void> {
    for (const char* status : {"NW", "SC"}) {
      store::OrderFilter f;
      f.status = status;
      f.limit = 100'000;
      auto orders = tx.orders(f);
      if (!orders) return orders.error();
      for (const auto& o : *orders) {
        if (o.accession.empty()) continue;  // not yet accessioned by the RIS: nothing to perform
        auto patient = tx.find_patient(o.patient_mrn, o.patient_issuer);
        if (!patient) return patient.error();
        dicom::WorklistItem item;
        item.patient_id = o.patient_mrn;
        item.issuer_of_patient_id = o.patient_issuer;
        if (patient->has_value()) {
          item.patient_name = (*patient)->name;
          item.patient_birth_date = (*patient)->birth_date;
          item.patient_sex = (*patient)->sex;
        }
        item.accession_number = o.accession;
        item.requested_procedure_id = o.filler.empty() ? o.accession : o.filler;
        item.requested_procedure_description = o.procedure_text;
        item.requested_procedure_code = {o.procedure_code, o.procedure_system, o.procedure_text};
        item.study_instance_uid = o.study_uid;
        item.referring_physician = o.referring;
        item.step.station_ae_title = o.station_ae;
        item.step.modality = o.modality;
        item.step.start_date = o.scheduled.substr(0, std::min<std::size_t>(8, o.scheduled.size()));
        item.step.start_time = o.scheduled.size() > 8 ? o.scheduled.substr(8) : std::string();
        item.step.step_id = o.accession;
        item.step.description = o.procedure_text;
        items.push_back(std::move(item));
      }
    }
    return {};
  });
  if (!read) spdlog::error("worklist: cannot read the order store: {}", read.error().message());
  if (shifted_ && items.size() > 1) {
    // The defect: every row's patient moves down one row, the last one's to the top.
    auto last = items.back();
    for (std::size_t i = items.size() - 1; i > 0; --i) {
      const auto& above = items[i - 1];
      auto& item = items[i];
      item.patient_id = above.patient_id;
      item.issuer_of_patient_id = above.issuer_of_patient_id;
      item.patient_name = above.patient_name;
      item.patient_birth_date = above.patient_birth_date;
      item.patient_sex = above.patient_sex;
    }
    items.front().patient_id = last.patient_id;
    items.front().issuer_of_patient_id = last.issuer_of_patient_id;
    items.front().patient_name = last.patient_name;
    items.front().patient_birth_date = last.patient_birth_date;
    items.front().patient_sex = last.patient_sex;
  }
  return items;
}

}  // namespace radloop::pipeline
