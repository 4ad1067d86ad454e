// Study synthesis for the modality simulator: a spec in, deterministic DICOM Part-10 files out.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "reference/core/result.hpp"

namespace radloop::modality {

enum class Modality : std::uint8_t { ct, mr, cr, dx, us, mg };

// "CT", "MR", "CR", "DX", "US", "MG": the value written to Modality (0008,0060).
std::string_view to_string(Modality modality) noexcept;

// The transfer syntaxes synthesize_study can write.
namespace transfer_syntax {
inline constexpr std::string_view implicit_le = "1.2.840.10008.1.2";
inline constexpr std::string_view explicit_le = "1.2.840.10008.1.2.1";
inline constexpr std::string_view deflated_explicit_le = "1.2.840.10008.1.2.1.99";
inline constexpr std::string_view rle_lossless = "1.2.840.10008.1.2.5";
inline constexpr std::string_view jpeg_baseline = "1.2.840.10008.1.2.4.50";  // 8-bit only, lossy
inline constexpr std::string_view jpeg_lossless_sv1 = "1.2.840.10008.1.2.4.70";
inline constexpr std::string_view jpeg_ls_lossless = "1.2.840.10008.1.2.4.80";
}  // namespace transfer_syntax

struct PatientInfo {
  std::string id;          // (0010,0020)
  std::string issuer;      // (0010,0021)
  std::string name;        // (0010,0010), "FAMILY^GIVEN"
  std::string birth_date;  // (0010,0030), YYYYMMDD
  std::string sex;         // (0010,0040), M, F or O
};

struct OrderInfo {
  std::string accession_number;             // (0008,0050)
  std::string requested_procedure_id;       // (0040,1001)
  std::string study_description;            // (0008,1030), also (0032,1060)
  std::string scheduled_procedure_step_id;  // (0040,0009)
  std::string referring_physician;          // (0008,0090), "FAMILY^GIVEN"
};

struct StudySpec {
  Modality modality = Modality::ct;
  std::uint64_t seed = 1;  // every UID and every pixel derives from it
  PatientInfo patient;
  OrderInfo order;
  std::uint32_t series_count = 1;
  std::uint32_t instances_per_series = 1;
  std::uint16_t rows = 64;
  std::uint16_t columns = 64;
  std::uint16_t bits_allocated = 16;          // 8 or 16; CT, MR and MG need 16
  std::string station_ae_title = "MODALITY";  // file meta Source AE Title and Station Name
  std::string study_date = "20260101";        // YYYYMMDD, also the series, content and acquisition date
  std::string study_time = "120000";          // HHMMSS
  std::string transfer_syntax_uid = std::string(transfer_syntax::explicit_le);
  // The worklist's Study Instance UID when the order gave one; empty: derived from the seed.
  std::string study_instance_uid;
};

struct SynthesizedInstance {
  std::string sop_class_uid;
  std::string study_instance_uid;
  std::string series_instance_uid;
  std::string sop_instance_uid;
  std::uint32_t series_number = 0;    // 1-based
  std::uint32_t instance_number = 0;  // 1-based within its series
  std::filesystem::path path;
  std::uintmax_t size_bytes = 0;
};

// Writes series_count x instances_per_series Part-10 files into out_dir (created if missing), in
// series then instance order. The same spec always gives byte-identical files. A spec the chosen
// IOD or transfer syntax cannot carry is invalid_config; a file that cannot be written is io_failed.
Result<std::vector<SynthesizedInstance>> synthesize_study(const StudySpec& spec, const std::filesystem::path& out_dir);

// The UID a study built from `seed` gives to `role` ("study", "series", "instance", ...) at
// `index`: "2.25." followed by the decimal form of a 128-bit hash of the three.
std::string derived_uid(std::uint64_t seed, std::string_view role, std::uint64_t index);

}  // namespace radloop::modality
