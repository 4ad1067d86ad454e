// Reading report objects with DCMTK (see sr.hpp).
#include "reference/dicom/sr.hpp"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcuid.h>

#include "reference/dicom/internal/dataset_shape.hpp"
#include "reference/dicom/internal/dcmtk_runtime.hpp"
#include "reference/dicom/internal/item_access.hpp"

namespace radloop::dicom {
namespace {

using internal::first_item_of;
using internal::items_of;
using internal::text_of;

ReportObjectKeys keys_of(DcmDataset& d) {
  return {text_of(d, DCM_PatientID),       text_of(d, DCM_IssuerOfPatientID), text_of(d, DCM_PatientName),
          text_of(d, DCM_AccessionNumber), text_of(d, DCM_StudyInstanceUID),  text_of(d, DCM_SOPInstanceUID),
          text_of(d, DCM_SOPClassUID),     text_of(d, DCM_ContentDate),       text_of(d, DCM_ContentTime)};
}

Result<std::unique_ptr<DcmFileFormat>> load(const std::string& path) {
  internal::ensure_dcmtk_ready();
  // A report object may come from anyone: its shape is checked before DCMTK parses it.
  if (auto shape = internal::part10_file_shape(path, DatasetLimits{}); !shape) return shape.error();
  auto file = std::make_unique<DcmFileFormat>();
  if (auto cond = file->loadFile(path.c_str()); cond.bad()) {
    return Error{Errc::dicom_dimse_failed, path, std::string("cannot read the report object: ") + cond.text()};
  }
  return file;
}

// Content items nest; a hostile file could nest without end, so the depth is bounded.
constexpr int kMaxDepth = 64;

SrItem item_of(DcmItem& item, int depth) {
  SrItem out;
  out.relationship = text_of(item, DCM_RelationshipType);
  out.value_type = text_of(item, DCM_ValueType);
  if (DcmItem* concept_name = first_item_of(item, DCM_ConceptNameCodeSequence)) {
    out.concept_code = text_of(*concept_name, DCM_CodeValue);
    out.concept_meaning = text_of(*concept_name, DCM_CodeMeaning);
  }
  const auto& type = out.value_type;
  if (type == "TEXT") out.value = text_of(item, DCM_TextValue);
  if (type == "PNAME") out.value = text_of(item, DCM_PersonName);
  if (type == "DATE") out.value = text_of(item, DCM_Date);
  if (type == "TIME") out.value = text_of(item, DCM_Time);
  if (type == "DATETIME") out.value = text_of(item, DCM_DateTime);
  if (type == "UIDREF") out.value = text_of(item, DCM_UID);
  if (type == "CODE") {
    if (DcmItem* code = first_item_of(item, DCM_ConceptCodeSequence)) {
      out.code = text_of(*code, DCM_CodeValue);
      out.code_system = text_of(*code, DCM_CodingSchemeDesignator);
      out.value = text_of(*code, DCM_CodeMeaning);
    }
  }
  if (type == "NUM") {
    if (DcmItem* measured = first_item_of(item, DCM_MeasuredValueSequence)) {
      out.code = "";
      if (DcmItem* units = first_item_of(*measured, DCM_MeasurementUnitsCodeSequence)) {
        out.code = text_of(*units, DCM_CodeValue);
      }
      out.value = text_of(*measured, DCM_NumericValue);
      if (!out.code.empty()) {
        out.value += ' ';
        out.value += out.code;
      }
    }
  }
  if (depth < kMaxDepth) {
    for (auto* child : items_of(item, DCM_ContentSequence)) out.children.push_back(item_of(*child, depth + 1));
  }
  return out;
}

}  // namespace

Result<SrDocument> read_structured_report(const std::string& path) {
  auto file = load(path);
  if (!file) return file.error();
  DcmDataset& d = *(*file)->getDataset();
  if (text_of(d, DCM_Modality) != "SR" || text_of(d, DCM_ValueType) != "CONTAINER") {
    return Error{Errc::invalid_config, path, "not a Structured Report (modality SR with a root CONTAINER)"};
  }
  SrDocument doc;
  doc.keys = keys_of(d);
  doc.completion_flag = text_of(d, DCM_CompletionFlag);
  doc.verification_flag = text_of(d, DCM_VerificationFlag);
  if (DcmItem* observer = first_item_of(d, DCM_VerifyingObserverSequence)) {
    doc.verifying_observer = text_of(*observer, DCM_VerifyingObserverName);
  }
  doc.root = item_of(d, 0);
  return doc;
}

Result<EncapsulatedDocument> read_encapsulated_document(const std::string& path) {
  auto file = load(path);
  if (!file) return file.error();
  DcmDataset& d = *(*file)->getDataset();
  const Uint8* bytes = nullptr;
  unsigned long length = 0;
  if (d.findAndGetUint8Array(DCM_EncapsulatedDocument, bytes, &length).bad() || bytes == nullptr) {
    return Error{Errc::invalid_config, path, "no Encapsulated Document (0042,0011)"};
  }
  EncapsulatedDocument doc;
  doc.keys = keys_of(d);
  doc.title = text_of(d, DCM_DocumentTitle);
  doc.mime_type = text_of(d, DCM_MIMETypeOfEncapsulatedDocument);
  Uint32 declared = 0;
  // OB is padded to an even length; (0042,0015), when present, says where the document ends.
  if (d.findAndGetUint32(DCM_EncapsulatedDocumentLength, declared).good() && declared <= length) length = declared;
  doc.bytes.assign(reinterpret_cast<const char*>(bytes),
                   length);  // NOLINT(cppcoreguidelines-pro-type-reinterpret-cast)
  return doc;
}

}  // namespace radloop::dicom
