// The image IOD of each modality (PS3.3 Annex A): the modules and their type 1 and 2 attributes.
#include "simulators/modality/internal/iod.hpp"

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <optional>
#include <string_view>
#include <vector>

namespace radloop::modality::internal {
namespace {

// Characters in UTF-8 text: every byte that does not continue a multi-byte sequence.
std::size_t characters(const std::string& text) {
  return static_cast<std::size_t>(
      std::count_if(text.begin(), text.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0U) != 0x80U; }));
}

}  // namespace

bool is_ascii(const std::string& text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

namespace {

bool is_cross_sectional(Modality m) { return m == Modality::ct || m == Modality::mr; }

std::string decimal(double value) { return fmt::format("{:.6g}", value); }

double pixel_spacing_mm(Modality m) {
  switch (m) {
    case Modality::ct: return 0.7;
    case Modality::mr: return 0.9;
    case Modality::mg: return 0.1;
    default: return 0.2;
  }
}

// The requested procedure ID when there is an order; a modality numbers unscheduled studies itself.
std::string study_id(const StudySpec& spec) {
  if (!spec.order.requested_procedure_id.empty()) return spec.order.requested_procedure_id;
  return std::to_string(1 + spec.seed % 99999999);
}

}  // namespace

void patient_and_study(Writer& w, const StudySpec& spec, const InstancePlace& place) {
  // Patient
  w.text(DCM_PatientName, spec.patient.name)
      .text(DCM_PatientID, spec.patient.id)
      .text(DCM_IssuerOfPatientID, spec.patient.issuer)
      .text(DCM_PatientBirthDate, spec.patient.birth_date)
      .text(DCM_PatientSex, spec.patient.sex);
  // General Study
  w.text(DCM_StudyInstanceUID, place.study_uid)
      .text(DCM_StudyDate, spec.study_date)
      .text(DCM_StudyTime, spec.study_time)
      .text(DCM_ReferringPhysicianName, spec.order.referring_physician)
      .text(DCM_StudyID, study_id(spec))
      .text(DCM_AccessionNumber, spec.order.accession_number)
      .text(DCM_StudyDescription, spec.order.study_description);
}

namespace {

void series_and_equipment(Writer& w, const StudySpec& spec, const InstancePlace& place) {
  // General Series (+ the Request Attributes Sequence that ties the series to its order)
  w.text(DCM_Modality, to_string(spec.modality))
      .text(DCM_SeriesInstanceUID, place.series_uid)
      .text(DCM_SeriesNumber, std::to_string(place.series_number))
      .text(DCM_SeriesDate, spec.study_date)
      .text(DCM_SeriesTime, spec.study_time);
  if (is_cross_sectional(spec.modality)) w.text(DCM_PatientPosition, "HFS");
  // An unpaired body part, so Laterality (type 2C, paired parts only) stays absent.
  switch (spec.modality) {
    case Modality::ct: w.text(DCM_BodyPartExamined, "CHEST"); break;
    case Modality::mr: w.text(DCM_BodyPartExamined, "HEAD"); break;
    case Modality::us: w.text(DCM_BodyPartExamined, "ABDOMEN"); break;
    default: break;
  }
  // The order this series fulfils. Its IDs are type 1C (present when the procedure was scheduled),
  // so an unscheduled acquisition (no order yet) writes no item at all rather than empty IDs.
  const auto& order = spec.order;
  if (!order.requested_procedure_id.empty() || !order.scheduled_procedure_step_id.empty()) {
    if (DcmItem* request = w.new_item(DCM_RequestAttributesSequence)) {
      Writer r(*request);
      auto optional = [&r](const DcmTagKey& tag, const std::string& value) {
        if (!value.empty()) r.text(tag, value);
      };
      optional(DCM_RequestedProcedureID, order.requested_procedure_id);
      optional(DCM_RequestedProcedureDescription, order.study_description);
      optional(DCM_ScheduledProcedureStepID, order.scheduled_procedure_step_id);
      optional(DCM_AccessionNumber, order.accession_number);
      w.merge(r);
    }
  }
  // Frame of Reference
  if (is_cross_sectional(spec.modality)) {
    w.text(DCM_FrameOfReferenceUID, place.frame_of_reference_uid).text(DCM_PositionReferenceIndicator, "");
  }
  // General Equipment
  w.text(DCM_Manufacturer, "radloop")
      .text(DCM_ManufacturerModelName, "radloop modality simulator")
      .text(DCM_StationName, spec.station_ae_title)
      .text(DCM_SoftwareVersions, "radloop 0.1");
}

void general_image(Writer& w, const StudySpec& spec, const InstancePlace& place) {
  w.text(DCM_InstanceNumber, std::to_string(place.instance_number))
      .text(DCM_ContentDate, spec.study_date)
      .text(DCM_ContentTime, spec.study_time)
      .text(DCM_AcquisitionDate, spec.study_date)
      .text(DCM_AcquisitionTime, spec.study_time);
  switch (spec.modality) {
    case Modality::cr:
    case Modality::dx: w.text(DCM_PatientOrientation, "L\\F"); break;
    case Modality::mg: w.text(DCM_PatientOrientation, "A\\R"); break;  // left CC: rows anterior, columns right
    case Modality::us: w.text(DCM_PatientOrientation, ""); break;
    default: break;
  }
}

void image_plane(Writer& w, const StudySpec& spec, const InstancePlace& place) {
  const double spacing = pixel_spacing_mm(spec.modality);
  const double thickness = spec.modality == Modality::ct ? 2.5 : 5.0;
  const double z = thickness * (place.instance_number - 1);
  const double x0 = -spacing * spec.columns / 2;
  const double y0 = -spacing * spec.rows / 2;
  w.text(DCM_PixelSpacing, fmt::format(R"({0}\{0})", decimal(spacing)))
      .text(DCM_ImageOrientationPatient, R"(1\0\0\0\1\0)")
      .text(DCM_ImagePositionPatient, fmt::format(R"({}\{}\{})", decimal(x0), decimal(y0), decimal(z)))
      .text(DCM_SliceThickness, decimal(thickness))
      .text(DCM_SliceLocation, decimal(z));
}

void image_pixel(Writer& w, DcmItem& dataset, const StudySpec& spec, const PixelFrame& frame) {
  const std::uint16_t stored = frame.bits_stored;
  w.u16(DCM_SamplesPerPixel, 1)
      .text(DCM_PhotometricInterpretation, "MONOCHROME2")
      .u16(DCM_Rows, frame.rows)
      .u16(DCM_Columns, frame.columns)
      .u16(DCM_BitsAllocated, spec.bits_allocated)
      .u16(DCM_BitsStored, stored)
      .u16(DCM_HighBit, static_cast<std::uint16_t>(stored - 1))
      .u16(DCM_PixelRepresentation, 0);
  OFCondition status;
  if (spec.bits_allocated == 8) {
    std::vector<Uint8> bytes(frame.values.begin(), frame.values.end());
    status = dataset.putAndInsertUint8Array(DCM_PixelData, bytes.data(), static_cast<unsigned long>(bytes.size()));
  } else {
    status = dataset.putAndInsertUint16Array(DCM_PixelData, frame.values.data(),
                                             static_cast<unsigned long>(frame.values.size()));
  }
  w.check(DCM_PixelData, status);
  // Window that spans the stored range: every viewer then shows the synthetic content.
  const int max_value = (1 << stored) - 1;
  const int intercept = spec.modality == Modality::ct ? -1024 : 0;
  w.text(DCM_WindowCenter, std::to_string(intercept + (max_value + 1) / 2))
      .text(DCM_WindowWidth, std::to_string(max_value + 1));
}

void ct_image(Writer& w, const InstancePlace& place) {
  w.text(DCM_ImageType, "ORIGINAL\\PRIMARY\\AXIAL")
      .text(DCM_RescaleIntercept, "-1024")
      .text(DCM_RescaleSlope, "1")
      .text(DCM_RescaleType, "HU")
      .text(DCM_KVP, "120")
      .text(DCM_AcquisitionNumber, std::to_string(place.series_number))
      .text(DCM_ConvolutionKernel, "STANDARD")
      .text(DCM_ReconstructionDiameter, "350")
      .text(DCM_XRayTubeCurrent, "200")
      .text(DCM_ExposureTime, "1000");
}

void mr_image(Writer& w, const InstancePlace& place) {
  w.text(DCM_ImageType, "ORIGINAL\\PRIMARY\\OTHER")
      .text(DCM_ScanningSequence, "SE")
      .text(DCM_SequenceVariant, "NONE")
      .text(DCM_ScanOptions, "")
      .text(DCM_MRAcquisitionType, "2D")
      .text(DCM_RepetitionTime, "500")
      .text(DCM_EchoTime, "15")
      .text(DCM_EchoTrainLength, "1")
      .text(DCM_ImagingFrequency, "63.87")
      .text(DCM_MagneticFieldStrength, "1.5")
      .text(DCM_ImagedNucleus, "1H")
      .text(DCM_AcquisitionNumber, std::to_string(place.series_number))
      .text(DCM_SpacingBetweenSlices, "5");
}

void cr_image(Writer& w, const StudySpec& spec) {
  // CR Series + CR Image
  const std::string spacing = decimal(pixel_spacing_mm(spec.modality));
  // ImageType is optional for CR, but present: a lossy encoder rewrites value 1 to DERIVED and
  // would otherwise leave a one-valued ImageType, which dciodvfy rejects (VM 2-n).
  w.text(DCM_ImageType, "ORIGINAL\\PRIMARY")
      .text(DCM_BodyPartExamined, "CHEST")
      .text(DCM_ViewPosition, "PA")
      .text(DCM_KVP, "110")
      .text(DCM_ImagerPixelSpacing, spacing + "\\" + spacing)
      .text(DCM_RescaleIntercept, "0")
      .text(DCM_RescaleSlope, "1")
      .text(DCM_RescaleType, "US");
}

// A view code item (DX Positioning / Mammography Image); its modifier sequence is type 2: empty.
void view_code(Writer& w, std::string_view value, std::string_view meaning) {
  if (DcmItem* view = w.new_item(DCM_ViewCodeSequence)) {
    Writer v(*view);
    v.text(DCM_CodeValue, value)
        .text(DCM_CodingSchemeDesignator, "SCT")
        .text(DCM_CodeMeaning, meaning)
        .empty_sequence(DCM_ViewModifierCodeSequence);
    w.merge(v);
  }
}

// DX Series, DX Anatomy Imaged, DX Image, DX Detector, DX Positioning, VOI LUT and Acquisition
// Context: shared by the DX and MG "For Presentation" IODs.
void dx_modules(Writer& w, const StudySpec& spec) {
  const bool mammo = spec.modality == Modality::mg;
  const std::string spacing = decimal(pixel_spacing_mm(spec.modality));
  w.text(DCM_PresentationIntentType, "FOR PRESENTATION")
      .text(DCM_ImageType, "ORIGINAL\\PRIMARY")
      .text(DCM_PixelIntensityRelationship, "LIN")
      .s16(DCM_PixelIntensityRelationshipSign, 1)
      .text(DCM_RescaleIntercept, "0")
      .text(DCM_RescaleSlope, "1")
      .text(DCM_RescaleType, "US")
      .text(DCM_PresentationLUTShape, "IDENTITY")
      .text(DCM_LossyImageCompression, "00")
      .text(DCM_BurnedInAnnotation, "NO")
      .text(DCM_DetectorType, "DIRECT")
      .text(DCM_ImagerPixelSpacing, spacing + "\\" + spacing)
      .empty_sequence(DCM_AcquisitionContextSequence)
      .text(DCM_KVP, mammo ? "28" : "110");
  if (mammo) {
    // Mammography Series + Mammography Image: a left cranio-caudal view.
    // ViewPosition's defined terms (AP, PA, ...) have no mammography view; the view code says CC.
    w.text(DCM_ImageLaterality, "L")
        .text(DCM_PositionerType, "MAMMOGRAPHIC")
        .text(DCM_OrganExposed, "BREAST")
        .text(DCM_BodyPartExamined, "BREAST")
        .code_item(DCM_AnatomicRegionSequence, "76752008", "SCT", "Breast");
    view_code(w, "399162004", "cranio-caudal");
  } else {
    w.text(DCM_ImageLaterality, "U")
        .text(DCM_PositionerType, "NONE")
        .text(DCM_ViewPosition, "PA")
        .text(DCM_BodyPartExamined, "CHEST")
        .code_item(DCM_AnatomicRegionSequence, "51185008", "SCT", "Chest");
    view_code(w, "399348003", "postero-anterior");
  }
}

void us_image(Writer& w) { w.text(DCM_ImageType, "ORIGINAL\\PRIMARY").text(DCM_LossyImageCompression, "00"); }

}  // namespace

const char* sop_class_uid(Modality modality) noexcept {
  switch (modality) {
    case Modality::ct: return UID_CTImageStorage;
    case Modality::mr: return UID_MRImageStorage;
    case Modality::cr: return UID_ComputedRadiographyImageStorage;
    case Modality::dx: return UID_DigitalXRayImageStorageForPresentation;
    case Modality::us: return UID_UltrasoundImageStorage;
    case Modality::mg: return UID_DigitalMammographyXRayImageStorageForPresentation;
  }
  return UID_SecondaryCaptureImageStorage;
}

std::uint16_t bits_stored(const StudySpec& spec) noexcept { return spec.bits_allocated == 8 ? 8 : 12; }

Result<void> check_spec(const StudySpec& spec) {
  auto invalid = [](std::string where, std::string detail) {
    return Error{Errc::invalid_config, std::move(where), std::move(detail)};
  };
  if (spec.bits_allocated != 8 && spec.bits_allocated != 16) {
    return invalid("bits allocated", "must be 8 or 16, not " + std::to_string(spec.bits_allocated));
  }
  const bool needs_16 = spec.modality == Modality::ct || spec.modality == Modality::mr || spec.modality == Modality::mg;
  if (needs_16 && spec.bits_allocated != 16) {
    return invalid("bits allocated", std::string(to_string(spec.modality)) + " images are 16-bit (PS3.3 image module)");
  }
  if (spec.modality == Modality::us && spec.bits_allocated != 8) {
    return invalid("bits allocated", "US MONOCHROME2 images are 8-bit (PS3.3 US Image module)");
  }
  if (spec.rows == 0 || spec.columns == 0) return invalid("rows/columns", "an image needs at least one pixel");
  if (spec.series_count == 0 || spec.instances_per_series == 0) {
    return invalid("series/instances", "a study needs at least one series with one instance");
  }
  if (spec.series_count > 9999 || spec.instances_per_series > 99999) {
    return invalid("series/instances", "at most 9999 series of 99999 instances");
  }
  auto digits = [](const std::string& s, std::size_t n) {
    return s.size() == n && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  if (!digits(spec.study_date, 8)) return invalid("study date", "must be YYYYMMDD, not '" + spec.study_date + "'");
  if (!digits(spec.study_time, 6)) return invalid("study time", "must be HHMMSS, not '" + spec.study_time + "'");
  if (spec.station_ae_title.empty() || spec.station_ae_title.size() > 16 ||
      spec.station_ae_title.find('\\') != std::string::npos) {
    return invalid("station AE title", "must be 1 to 16 characters, without a backslash");
  }
  if (!spec.patient.birth_date.empty() && !digits(spec.patient.birth_date, 8)) {
    return invalid("(0010,0030)",
                   "patient birth date must be YYYYMMDD or empty, not '" + spec.patient.birth_date + "'");
  }
  if (!spec.patient.sex.empty() && spec.patient.sex != "M" && spec.patient.sex != "F" && spec.patient.sex != "O") {
    return invalid("(0010,0040)", "patient sex must be M, F, O or empty, not '" + spec.patient.sex + "'");
  }
  // The spec's free text, each with its tag and the longest value its VR allows (characters).
  struct Field {
    const char* tag;
    const std::string& value;
    std::size_t max_chars;
  };
  const std::array<Field, 8> texts{
      {{"(0010,0020) patient ID", spec.patient.id, 64},
       {"(0010,0021) issuer of patient ID", spec.patient.issuer, 64},
       {"(0010,0010) patient name", spec.patient.name, 64},
       {"(0008,0050) accession number", spec.order.accession_number, 16},
       {"(0040,1001) requested procedure ID", spec.order.requested_procedure_id, 16},
       {"(0008,1030) study description", spec.order.study_description, 64},
       {"(0040,0009) scheduled procedure step ID", spec.order.scheduled_procedure_step_id, 16},
       {"(0008,0090) referring physician", spec.order.referring_physician, 64}}};
  for (const auto& text : texts) {
    if (characters(text.value) > text.max_chars) {
      return invalid(text.tag, "longer than " + std::to_string(text.max_chars) + " characters: '" + text.value + "'");
    }
    const bool control =
        std::any_of(text.value.begin(), text.value.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20; });
    if (text.value.find('\\') != std::string::npos || control) {
      return invalid(text.tag, "a backslash or control character would split or break the value");
    }
  }
  return {};
}

Result<void> write_instance(DcmDataset& dataset, const StudySpec& spec, const InstancePlace& place,
                            const PixelFrame& frame) {
  Writer w(dataset);
  // SOP Common; UTF-8 is declared only when a value needs it, plain ASCII is the default repertoire.
  w.text(DCM_SOPClassUID, sop_class_uid(spec.modality)).text(DCM_SOPInstanceUID, place.sop_instance_uid);
  const bool ascii = is_ascii(spec.patient.id) && is_ascii(spec.patient.issuer) && is_ascii(spec.patient.name) &&
                     is_ascii(spec.order.study_description) && is_ascii(spec.order.referring_physician) &&
                     is_ascii(spec.order.accession_number) && is_ascii(spec.order.requested_procedure_id) &&
                     is_ascii(spec.order.scheduled_procedure_step_id);
  if (!ascii) w.text(DCM_SpecificCharacterSet, "ISO_IR 192");
  patient_and_study(w, spec, place);
  series_and_equipment(w, spec, place);
  general_image(w, spec, place);
  if (is_cross_sectional(spec.modality)) image_plane(w, spec, place);
  switch (spec.modality) {
    case Modality::ct: ct_image(w, place); break;
    case Modality::mr: mr_image(w, place); break;
    case Modality::cr: cr_image(w, spec); break;
    case Modality::dx:
    case Modality::mg: dx_modules(w, spec); break;
    case Modality::us: us_image(w); break;
  }
  image_pixel(w, dataset, spec, frame);
  return w.result();
}

}  // namespace radloop::modality::internal
