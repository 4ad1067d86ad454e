// DCMTK side of read_instance_header (see the header).
#include "reference/dicom/internal/instance_header.hpp"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcistrmb.h>
#include <dcmtk/dcmdata/dcmetinf.h>

#include <cstring>

#include "reference/dicom/internal/dataset_shape.hpp"
#include "reference/dicom/internal/dcmtk_runtime.hpp"
#include "reference/dicom/internal/item_access.hpp"

namespace radloop::dicom::internal {
namespace {

// DCMTK hands values on as C strings: a UID with a NUL inside would be cut short there, and the
// instance kept under a UID it was not sent with. A single trailing NUL is the padding of an odd
// length and is fine.
bool has_inner_nul(DcmDataset& data, const DcmTagKey& tag) {
  DcmElement* element = nullptr;
  char* value = nullptr;
  if (data.findAndGetElement(tag, element).bad() || element == nullptr || element->getString(value).bad() ||
      value == nullptr) {
    return false;
  }
  return std::strlen(value) + 1 < element->getLength();
}

}  // namespace

Result<InstanceRecord> read_instance_header(const std::string& path, std::string_view bytes,
                                            const DatasetLimits& limits) {
  auto shape = bytes.empty() ? part10_file_shape(path, limits) : part10_shape(bytes, limits);
  if (!shape) return shape.error();
  DcmFileFormat file;
  // Values longer than this many bytes (pixel data, above all) are left on disk, not read.
  constexpr Uint32 kMaxValueBytes = 4096;
  OFCondition cond = EC_Normal;
  // Everything the record needs is in groups 0008 to 0020: parsing stops at the first element
  // past them (image pixel module, pixel data, SR content...).
  const DcmTagKey past_the_record(0x0021, 0x0000);
  if (bytes.empty()) {
    cond =
        file.loadFileUntilTag(path.c_str(), EXS_Unknown, EGL_noChange, kMaxValueBytes, ERM_autoDetect, past_the_record);
  } else {
    DcmInputBufferStream stream;
    stream.setBuffer(bytes.data(), static_cast<offile_off_t>(bytes.size()));
    stream.setEos();
    file.transferInit();
    cond = file.readUntilTag(stream, EXS_Unknown, EGL_noChange, kMaxValueBytes, past_the_record);
    file.transferEnd();
  }
  if (cond.bad()) return Error{Errc::dicom_dimse_failed, path, "cannot read the received instance: " + describe(cond)};
  DcmDataset& data = *file.getDataset();
  for (const auto& tag : {DCM_StudyInstanceUID, DCM_SeriesInstanceUID, DCM_SOPInstanceUID}) {
    if (has_inner_nul(data, tag)) {
      return Error{Errc::invalid_input, path,
                   std::string("the UID in ") + tag.toString().c_str() + " holds a NUL byte inside it"};
    }
  }
  InstanceRecord r;
  r.patient_id = text_of(data, DCM_PatientID);
  r.issuer_of_patient_id = text_of(data, DCM_IssuerOfPatientID);
  r.patient_name = text_of(data, DCM_PatientName);
  r.patient_birth_date = text_of(data, DCM_PatientBirthDate);
  r.patient_sex = text_of(data, DCM_PatientSex);
  r.accession_number = text_of(data, DCM_AccessionNumber);
  r.study_instance_uid = text_of(data, DCM_StudyInstanceUID);
  r.series_instance_uid = text_of(data, DCM_SeriesInstanceUID);
  r.sop_instance_uid = text_of(data, DCM_SOPInstanceUID);
  r.sop_class_uid = text_of(data, DCM_SOPClassUID);
  r.modality = text_of(data, DCM_Modality);
  r.study_date = text_of(data, DCM_StudyDate);
  r.study_time = text_of(data, DCM_StudyTime);
  r.study_id = text_of(data, DCM_StudyID);
  r.study_description = text_of(data, DCM_StudyDescription);
  r.referring_physician = text_of(data, DCM_ReferringPhysicianName);
  r.series_number = text_of(data, DCM_SeriesNumber);
  r.series_description = text_of(data, DCM_SeriesDescription);
  r.instance_number = text_of(data, DCM_InstanceNumber);
  r.transfer_syntax_uid = text_of(*file.getMetaInfo(), DCM_TransferSyntaxUID);
  return r;
}

}  // namespace radloop::dicom::internal
