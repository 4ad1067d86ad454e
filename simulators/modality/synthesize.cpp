// synthesize_study: spec -> UIDs -> datasets -> encoded Part-10 files.
//
//   seed ──> derived_uid(study | series | frame-of-reference | instance)
//     └────> generate_frame(slot) ──> write_instance (IOD modules) ──> chooseRepresentation ──> saveFile
#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcmetinf.h>
#include <fmt/format.h>

#include <system_error>

#include "simulators/modality/internal/codecs.hpp"
#include "simulators/modality/internal/iod.hpp"
#include "simulators/modality/internal/pixels.hpp"
#include "simulators/modality/study.hpp"

namespace radloop::modality {
namespace {

std::string file_name(std::uint32_t series_number, std::uint32_t instance_number) {
  return fmt::format("{:04}-{:05}.dcm", series_number, instance_number);
}

Result<void> write_file(const StudySpec& spec, const internal::InstancePlace& place, const internal::Encoding& encoding,
                        const std::filesystem::path& path) {
  const std::uint64_t slot =
      std::uint64_t{place.series_number - 1} * spec.instances_per_series + (place.instance_number - 1);
  const auto frame = internal::generate_frame(spec.seed, slot, spec.rows, spec.columns, internal::bits_stored(spec));

  DcmFileFormat file;
  if (auto written = internal::write_instance(*file.getDataset(), spec, place, frame); !written) return written;
  // Who wrote the file; the implementation class UID and version are DCMTK's constants.
  file.getMetaInfo()->putAndInsertString(DCM_SourceApplicationEntityTitle, spec.station_ae_title.c_str());

  DcmDataset& dataset = *file.getDataset();
  const std::string where = "transfer syntax " + spec.transfer_syntax_uid + ", " + path.string();
  OFCondition status = dataset.chooseRepresentation(encoding.xfer, encoding.parameters.get());
  if (status.bad() || !dataset.canWriteXfer(encoding.xfer)) {
    return Error{Errc::internal, where, std::string("could not encode the pixel data: ") + status.text()};
  }
  internal::zero_fragment_padding(dataset, encoding);
  status =
      file.saveFile(path.c_str(), encoding.xfer, EET_ExplicitLength, EGL_recalcGL, EPD_noChange, 0, 0, EWM_fileformat);
  if (status.bad()) return Error{Errc::io_failed, path.string(), status.text()};
  return {};
}

}  // namespace

std::string_view to_string(Modality modality) noexcept {
  switch (modality) {
    case Modality::ct: return "CT";
    case Modality::mr: return "MR";
    case Modality::cr: return "CR";
    case Modality::dx: return "DX";
    case Modality::us: return "US";
    case Modality::mg: return "MG";
  }
  return "OT";
}

Result<std::vector<SynthesizedInstance>> synthesize_study(const StudySpec& spec, const std::filesystem::path& out_dir) {
  if (auto checked = internal::check_spec(spec); !checked) return checked.error();
  auto encoding = internal::encoding_for(spec.transfer_syntax_uid, spec.bits_allocated);
  if (!encoding) return encoding.error();

  std::error_code ec;
  std::filesystem::create_directories(out_dir, ec);
  if (ec) return Error{Errc::io_failed, out_dir.string(), ec.message()};
  internal::ensure_codecs_registered();

  std::vector<SynthesizedInstance> instances;
  instances.reserve(std::size_t{spec.series_count} * spec.instances_per_series);
  internal::InstancePlace place;
  place.study_uid = spec.study_instance_uid.empty() ? derived_uid(spec.seed, "study", 0) : spec.study_instance_uid;
  for (std::uint32_t s = 1; s <= spec.series_count; ++s) {
    place.series_number = s;
    place.series_uid = derived_uid(spec.seed, "series", s);
    place.frame_of_reference_uid = derived_uid(spec.seed, "frame-of-reference", s);
    for (std::uint32_t i = 1; i <= spec.instances_per_series; ++i) {
      place.instance_number = i;
      place.sop_instance_uid =
          derived_uid(spec.seed, "instance", std::uint64_t{s - 1} * spec.instances_per_series + (i - 1));
      const auto path = out_dir / file_name(s, i);
      if (auto written = write_file(spec, place, *encoding, path); !written) return written.error();
      const auto size = std::filesystem::file_size(path, ec);
      if (ec) return Error{Errc::io_failed, path.string(), ec.message()};
      instances.push_back(SynthesizedInstance{internal::sop_class_uid(spec.modality), place.study_uid, place.series_uid,
                                              place.sop_instance_uid, s, i, path, size});
    }
  }
  return instances;
}

}  // namespace radloop::modality
