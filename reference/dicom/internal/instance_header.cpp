// DCMTK side of read_instance_header (see the header).
#include "reference/dicom/internal/instance_header.hpp"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcmetinf.h>

#include "reference/dicom/internal/dcmtk_runtime.hpp"

namespace radloop::dicom::internal {
namespace {

std::string get(DcmItem& item, const DcmTagKey& tag) {
  OFString value;
  if (item.findAndGetOFStringArray(tag, value).bad()) return {};
  return value.c_str();
}

}  // namespace

Result<InstanceRecord> read_instance_header(const std::string& path) {
  DcmFileFormat file;
  // Values longer than this many bytes (pixel data, above all) are left on disk, not read.
  constexpr Uint32 kMaxValueBytes = 4096;
  const auto cond = file.loadFile(path.c_str(), EXS_Unknown, EGL_noChange, kMaxValueBytes, ERM_autoDetect);
  if (cond.bad()) return Error{Errc::dicom_dimse_failed, path, "cannot read the received instance: " + describe(cond)};
  DcmDataset& data = *file.getDataset();
  InstanceRecord r;
  r.patient_id = get(data, DCM_PatientID);
  r.issuer_of_patient_id = get(data, DCM_IssuerOfPatientID);
  r.patient_name = get(data, DCM_PatientName);
  r.patient_birth_date = get(data, DCM_PatientBirthDate);
  r.patient_sex = get(data, DCM_PatientSex);
  r.accession_number = get(data, DCM_AccessionNumber);
  r.study_instance_uid = get(data, DCM_StudyInstanceUID);
  r.series_instance_uid = get(data, DCM_SeriesInstanceUID);
  r.sop_instance_uid = get(data, DCM_SOPInstanceUID);
  r.sop_class_uid = get(data, DCM_SOPClassUID);
  r.modality = get(data, DCM_Modality);
  r.study_date = get(data, DCM_StudyDate);
  r.study_time = get(data, DCM_StudyTime);
  r.study_id = get(data, DCM_StudyID);
  r.study_description = get(data, DCM_StudyDescription);
  r.referring_physician = get(data, DCM_ReferringPhysicianName);
  r.series_number = get(data, DCM_SeriesNumber);
  r.series_description = get(data, DCM_SeriesDescription);
  r.instance_number = get(data, DCM_InstanceNumber);
  r.transfer_syntax_uid = get(*file.getMetaInfo(), DCM_TransferSyntaxUID);
  return r;
}

}  // namespace radloop::dicom::internal
