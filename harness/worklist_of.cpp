// The worklist query through the modality simulator's C-FIND user (see the header).
#include "harness/worklist_of.hpp"

#include "simulators/modality/worklist_scu.hpp"

namespace radloop::harness {

Result<std::vector<std::pair<std::string, std::string>>> worklist_entries(const Endpoints& system) {
  if (system.dicom_port == 0) return Error{Errc::not_observable, "worklist", "the system names no DICOM service"};
  modality::Target target;
  target.host = system.host;
  target.port = system.dicom_port;
  target.calling_ae = "RADLOOP_SCU";
  target.called_ae = system.ae_title;
  target.timeout = std::chrono::seconds(10);
  auto items = modality::query_worklist(target, {});  // every key universal: the whole worklist
  if (!items) {
    const auto code = items.error().code;
    if (code == Errc::dicom_association_rejected || code == Errc::dicom_no_presentation_context) {
      return Error{Errc::not_observable, "worklist", "the system serves no Modality Worklist to ask"};
    }
    return items.error();
  }
  std::vector<std::pair<std::string, std::string>> entries;
  for (const auto& item : *items) entries.emplace_back(item.patient_id, item.accession_number);
  return entries;
}

Result<std::vector<std::pair<std::string, std::string>>> SystemUnderTest::worklist_entries() {
  return harness::worklist_entries(endpoints());
}

}  // namespace radloop::harness
