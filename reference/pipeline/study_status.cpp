// study_status (see the header): one consistent read of the study, its instances and its order.
#include "reference/pipeline/study_status.hpp"

namespace radloop::pipeline {

Result<std::optional<StudyStatus>> study_status(store::Store& store, const std::string& study_uid) {
  std::optional<StudyStatus> found;
  auto read = store.read([&](store::Tx& tx) -> Result<void> {
    store::StudyFilter filter;
    filter.study_uid = study_uid;
    auto studies = tx.studies(filter);
    if (!studies) return studies.error();
    if (studies->empty()) return {};
    const auto& s = studies->front();
    StudyStatus status;
    status.study_uid = s.study_uid;
    status.patient_id = s.patient_mrn;
    status.issuer = s.patient_issuer;
    status.accession = s.accession;
    status.state = std::string(store::to_string(s.state));
    status.reason = s.reason;
    auto instances = tx.instances(study_uid, "", "");
    if (!instances) return instances.error();
    status.instances = static_cast<std::int64_t>(instances->size());
    if (s.order_id != 0) {
      auto order = tx.find_order(s.order_id);
      if (!order) return order.error();
      if (order->has_value()) {
        status.linked_accession = (*order)->accession;
        status.linked_patient_id = (*order)->patient_mrn;
        status.linked_issuer = (*order)->patient_issuer;
      }
    }
    found = std::move(status);
    return {};
  });
  if (!read) return read.error();
  return found;
}

}  // namespace radloop::pipeline
