// Basic Text SR and Encapsulated PDF (PS3.3 A.35.1 and A.45.1): their modules, then a Part-10 file.
#include "simulators/modality/report_document.hpp"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcmetinf.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <fmt/format.h>

#include <sstream>
#include <system_error>

#include "simulators/modality/internal/iod.hpp"
#include "simulators/modality/internal/pdf.hpp"

namespace radloop::modality {
namespace {

using internal::Writer;

// What the image IODs need to write the Patient and General Study modules the same way.
StudySpec study_of(const ReportDocument& r) {
  StudySpec spec;
  spec.seed = r.seed;
  spec.patient = r.patient;
  spec.order = r.order;
  spec.study_date = r.study_date;
  spec.study_time = r.study_time;
  spec.station_ae_title = r.station_ae_title;
  return spec;
}

Result<void> check(const ReportDocument& r) {
  if (r.study_instance_uid.empty()) {
    return Error{Errc::invalid_config, "study_instance_uid", "a report belongs to a study: give its UID"};
  }
  if (r.sections.empty()) return Error{Errc::invalid_config, "sections", "a report needs at least one section"};
  StudySpec spec = study_of(r);
  return internal::check_spec(spec);
}

void series_equipment_and_common(Writer& w, const ReportDocument& r, const internal::InstancePlace& place,
                                 const char* sop_class, const char* modality) {
  w.text(DCM_SOPClassUID, sop_class).text(DCM_SOPInstanceUID, place.sop_instance_uid);
  w.text(DCM_Modality, modality)
      .text(DCM_SeriesInstanceUID, place.series_uid)
      .text(DCM_SeriesNumber, std::to_string(place.series_number))
      .text(DCM_SeriesDate, r.content_date)
      .text(DCM_SeriesTime, r.content_time);
  w.text(DCM_Manufacturer, "radloop")
      .text(DCM_ManufacturerModelName, "radloop reporting simulator")
      .text(DCM_StationName, r.station_ae_title)
      .text(DCM_SoftwareVersions, "radloop 0.1");
  w.text(DCM_InstanceNumber, "1").text(DCM_ContentDate, r.content_date).text(DCM_ContentTime, r.content_time);
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::stringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// A section heading's code: Findings and Impressions have their own (DCM), anything else is a
// generic narrative section.
std::pair<const char*, const char*> heading_code(const std::string& heading) {
  if (heading == "Findings") return {"121070", "Findings"};
  if (heading == "Impression" || heading == "Impressions") return {"121072", "Impressions"};
  return {"121060", "History"};
}

void sr_content(Writer& w, DcmItem& root, const ReportDocument& r) {
  // SR Document Content: the root container, one CONTAINER per section holding its TEXT.
  w.text(DCM_ValueType, "CONTAINER")
      .code_item(DCM_ConceptNameCodeSequence, "18748-4", "LN", "Diagnostic Imaging Report")
      .text(DCM_ContinuityOfContent, "SEPARATE");
  for (const auto& [heading, text] : r.sections) {
    DcmItem* section = w.new_item(DCM_ContentSequence);
    if (section == nullptr) return;
    Writer s(*section);
    const auto [value, meaning] = heading_code(heading);
    s.text(DCM_RelationshipType, "CONTAINS")
        .text(DCM_ValueType, "CONTAINER")
        .code_item(DCM_ConceptNameCodeSequence, value, "DCM", meaning)
        .text(DCM_ContinuityOfContent, "SEPARATE");
    if (DcmItem* item = s.new_item(DCM_ContentSequence)) {
      Writer t(*item);
      t.text(DCM_RelationshipType, "CONTAINS")
          .text(DCM_ValueType, "TEXT")
          .code_item(DCM_ConceptNameCodeSequence, "121071", "DCM", "Finding")
          .text(DCM_TextValue, text);
      s.merge(t);
    }
    w.merge(s);
  }
  (void)root;
}

void sr_document_general(Writer& w, const ReportDocument& r) {
  w.text(DCM_CompletionFlag, r.complete ? "COMPLETE" : "PARTIAL")
      .text(DCM_VerificationFlag, r.verified ? "VERIFIED" : "UNVERIFIED")
      .empty_sequence(DCM_PerformedProcedureCodeSequence)
      .empty_sequence(DCM_ReferencedPerformedProcedureStepSequence);
  if (r.verified) {
    if (DcmItem* observer = w.new_item(DCM_VerifyingObserverSequence)) {
      Writer o(*observer);
      o.text(DCM_VerifyingObserverName, r.author)
          .text(DCM_VerifyingOrganization, "radloop radiology")
          .text(DCM_VerificationDateTime, r.content_date + r.content_time)
          .empty_sequence(DCM_VerifyingObserverIdentificationCodeSequence);
      w.merge(o);
    }
  }
  // The order this report answers (type 1C: present when there was one).
  if (!r.order.accession_number.empty() || !r.order.requested_procedure_id.empty()) {
    if (DcmItem* request = w.new_item(DCM_ReferencedRequestSequence)) {
      Writer q(*request);
      q.text(DCM_StudyInstanceUID, r.study_instance_uid)
          .empty_sequence(DCM_ReferencedStudySequence)
          .text(DCM_AccessionNumber, r.order.accession_number)
          .text(DCM_PlacerOrderNumberImagingServiceRequest, "")
          .text(DCM_FillerOrderNumberImagingServiceRequest, "")
          .text(DCM_RequestedProcedureID, r.order.requested_procedure_id)
          .text(DCM_RequestedProcedureDescription, r.order.study_description)
          .empty_sequence(DCM_RequestedProcedureCodeSequence);
      w.merge(q);
    }
  }
  if (DcmItem* author = w.new_item(DCM_AuthorObserverSequence)) {
    Writer a(*author);
    a.text(DCM_ObserverType, "PSN")
        .text(DCM_PersonName, r.author)
        .empty_sequence(DCM_PersonIdentificationCodeSequence)
        .text(DCM_InstitutionName, "radloop radiology")
        .empty_sequence(DCM_InstitutionCodeSequence)
        .code_item(DCM_InstitutionalDepartmentTypeCodeSequence, "309964003", "SCT", "Radiology department");
    w.merge(a);
  }
}

Result<SynthesizedInstance> save(DcmFileFormat& file, const ReportDocument& r, const internal::InstancePlace& place,
                                 const char* sop_class, const std::filesystem::path& out_dir, const std::string& name) {
  std::error_code ec;
  std::filesystem::create_directories(out_dir, ec);
  if (ec) return Error{Errc::io_failed, out_dir.string(), ec.message()};
  file.getMetaInfo()->putAndInsertString(DCM_SourceApplicationEntityTitle, r.station_ae_title.c_str());
  const auto path = out_dir / name;
  const auto saved = file.saveFile(path.c_str(), EXS_LittleEndianExplicit);
  if (saved.bad()) return Error{Errc::io_failed, path.string(), saved.text()};
  SynthesizedInstance out;
  out.sop_class_uid = sop_class;
  out.study_instance_uid = place.study_uid;
  out.series_instance_uid = place.series_uid;
  out.sop_instance_uid = place.sop_instance_uid;
  out.series_number = place.series_number;
  out.instance_number = 1;
  out.path = path;
  out.size_bytes = std::filesystem::file_size(path, ec);
  return out;
}

internal::InstancePlace place_of(const ReportDocument& r, std::string_view role, std::uint32_t series_number) {
  internal::InstancePlace place;
  place.study_uid = r.study_instance_uid;
  place.series_uid = derived_uid(r.seed, std::string(role) + "-series", 0);
  place.sop_instance_uid = derived_uid(r.seed, role, 0);
  place.series_number = series_number;
  place.instance_number = 1;
  return place;
}

void charset(Writer& w, const ReportDocument& r) {
  bool ascii = internal::is_ascii(r.patient.name) && internal::is_ascii(r.patient.id) && internal::is_ascii(r.author) &&
               internal::is_ascii(r.title) && internal::is_ascii(r.order.study_description);
  for (const auto& [heading, text] : r.sections) ascii = ascii && internal::is_ascii(text);
  if (!ascii) w.text(DCM_SpecificCharacterSet, "ISO_IR 192");
}

// SOP Common, Patient, General Study, the document's series, General Equipment, and the
// instance number and content date and time both documents carry.
void common_modules(Writer& w, const ReportDocument& r, const internal::InstancePlace& place, const char* sop_class,
                    const char* modality) {
  charset(w, r);
  internal::patient_and_study(w, study_of(r), place);
  series_equipment_and_common(w, r, place, sop_class, modality);
}

}  // namespace

Result<SynthesizedInstance> synthesize_sr(const ReportDocument& report, const std::filesystem::path& out_dir) {
  if (auto ok = check(report); !ok) return ok.error();
  const auto place = place_of(report, "sr", 900);
  DcmFileFormat file;
  DcmDataset& d = *file.getDataset();
  Writer w(d);
  common_modules(w, report, place, UID_BasicTextSRStorage, "SR");
  sr_document_general(w, report);
  sr_content(w, d, report);
  if (auto written = w.result(); !written) return written.error();
  return save(file, report, place, UID_BasicTextSRStorage, out_dir, "report-sr.dcm");
}

Result<SynthesizedInstance> synthesize_pdf(const ReportDocument& report, const std::filesystem::path& out_dir) {
  if (auto ok = check(report); !ok) return ok.error();
  const auto place = place_of(report, "pdf", 901);
  std::vector<std::string> lines{report.title,
                                 "",
                                 fmt::format("Patient: {} ({})", report.patient.name, report.patient.id),
                                 fmt::format("Accession: {}", report.order.accession_number),
                                 fmt::format("Study: {}", report.order.study_description),
                                 ""};
  for (const auto& [heading, text] : report.sections) {
    lines.push_back(heading + ":");
    for (auto& line : lines_of(text)) lines.push_back("  " + line);
    lines.emplace_back("");
  }
  lines.push_back(fmt::format("{} by {} on {}", report.verified ? "Signed" : "Preliminary, unsigned", report.author,
                              report.content_date));
  const std::string pdf = internal::text_pdf(lines);

  DcmFileFormat file;
  DcmDataset& d = *file.getDataset();
  Writer w(d);
  common_modules(w, report, place, UID_EncapsulatedPDFStorage, "DOC");
  w.text(DCM_ConversionType, "WSD")
      .text(DCM_AcquisitionDateTime, report.content_date + report.content_time)
      .text(DCM_BurnedInAnnotation, "YES")
      .text(DCM_DocumentTitle, report.title)
      .code_item(DCM_ConceptNameCodeSequence, "18748-4", "LN", "Diagnostic Imaging Report")
      .text(DCM_MIMETypeOfEncapsulatedDocument, "application/pdf");
  // OB must have an even length: a trailing pad byte after %%EOF is allowed by PDF readers, and
  // the length element says where the document really ends.
  std::string padded = pdf;
  if (padded.size() % 2 != 0) padded.push_back('\0');
  w.check(DCM_EncapsulatedDocument,
          d.putAndInsertUint8Array(DCM_EncapsulatedDocument, reinterpret_cast<const Uint8*>(padded.data()),  // NOLINT
                                   static_cast<unsigned long>(padded.size())));
  w.check(DCM_EncapsulatedDocumentLength,
          d.putAndInsertUint32(DCM_EncapsulatedDocumentLength, static_cast<Uint32>(pdf.size())));
  if (auto written = w.result(); !written) return written.error();
  return save(file, report, place, UID_EncapsulatedPDFStorage, out_dir, "report-pdf.dcm");
}

}  // namespace radloop::modality
