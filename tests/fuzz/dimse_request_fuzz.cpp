// libFuzzer target for the data sets that come with DIMSE requests: bytes received whole (the
// first input byte picks the transfer syntax) are measured, parsed, then read by every reader a
// request reaches: the worklist and study C-FIND identifiers (matched against one order and one
// stored instance, replies built), MPPS N-CREATE and N-SET, the Storage Commitment N-ACTION and
// N-EVENT-REPORT. Anything must give an answer or a located refusal, never a crash.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "reference/dicom/internal/bounded_receive.hpp"
#include "reference/dicom/internal/mpps_dataset.hpp"
#include "reference/dicom/internal/storage_commitment.hpp"
#include "reference/dicom/internal/stored_query.hpp"
#include "reference/dicom/internal/worklist_identifier.hpp"

namespace {

using namespace radloop::dicom;

WorklistItem order() {
  WorklistItem item;
  item.patient_id = "MRN1";
  item.issuer_of_patient_id = "GENERAL";
  item.patient_name = "DOE^JANE";
  item.accession_number = "ACC1";
  item.study_instance_uid = "1.2.3.4";
  item.step = ScheduledStep{"CT01", "CT", "20260310", "101500", "SPS1", "CT chest", "", "", ""};
  return item;
}

std::vector<InstanceRecord> stored() {
  InstanceRecord record;
  record.patient_id = "MRN1";
  record.patient_name = "DOE^JANE";
  record.accession_number = "ACC1";
  record.study_instance_uid = "1.2.3.4";
  record.series_instance_uid = "1.2.3.4.1";
  record.sop_instance_uid = "1.2.3.4.1.1";
  record.sop_class_uid = "1.2.840.10008.5.1.4.1.1.2";
  record.modality = "CT";
  record.study_date = "20260310";
  return {record};
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
  ::setenv("RADLOOP_DCMTK_LOG", "off", 1);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  static const char* const kSyntaxes[] = {"1.2.840.10008.1.2", "1.2.840.10008.1.2.1", "1.2.840.10008.1.2.2"};
  const char* syntax = kSyntaxes[data[0] % 3];
  const std::string_view bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  DatasetLimits limits;
  limits.max_depth = 32;
  limits.max_elements = 20'000;
  limits.max_in_memory_bytes = 1U << 20U;
  auto dataset = internal::read_request_dataset(bytes, syntax, limits);
  if (!dataset) {
    if (dataset.error().where.empty() || dataset.error().detail.empty()) __builtin_trap();
    return 0;
  }
  DcmDataset& d = **dataset;
  static const auto item = order();
  static const auto records = stored();
  {
    DcmDataset copy(d);
    const auto query = internal::parse_worklist_query(copy);
    if (query.status == 0 && matches(item, query.query)) (void)internal::worklist_reply(copy, item);
  }
  for (const auto model : {internal::InformationModel::patient_root, internal::InformationModel::study_root}) {
    (void)internal::answer_stored_query(d, model, records, "RADLOOP");
  }
  {
    DcmDataset copy(d);
    (void)internal::parse_mpps_create(&copy);
  }
  {
    DcmDataset copy(d);
    (void)internal::parse_mpps_set(copy);
  }
  {
    DcmDataset copy(d);
    (void)internal::parse_commitment_request(&copy);
  }
  {
    DcmDataset copy(d);
    (void)internal::read_report_dataset(copy);
  }
  return 0;
}
