// The image IOD of each modality: which SOP class, which modules, which attributes.
#pragma once

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdatset.h>

#include <cstdint>
#include <string>

#include "reference/core/result.hpp"
#include "simulators/modality/internal/pixels.hpp"
#include "simulators/modality/internal/writer.hpp"
#include "simulators/modality/study.hpp"

namespace radloop::modality::internal {

// Where one instance sits in its study.
struct InstancePlace {
  std::string study_uid;
  std::string series_uid;
  std::string sop_instance_uid;
  std::string frame_of_reference_uid;
  std::uint32_t series_number = 0;    // 1-based
  std::uint32_t instance_number = 0;  // 1-based within the series
};

const char* sop_class_uid(Modality modality) noexcept;

// Bits stored for the spec's bits allocated: 8 -> 8, 16 -> 12.
std::uint16_t bits_stored(const StudySpec& spec) noexcept;

// invalid_config when the spec cannot make a valid image of its modality (8-bit CT, say).
Result<void> check_spec(const StudySpec& spec);

// Patient and General Study modules, as every object of the study carries them.
void patient_and_study(Writer& w, const StudySpec& spec, const InstancePlace& place);
bool is_ascii(const std::string& text);

// Fills `dataset` with every module of the modality's image IOD, pixel data included.
Result<void> write_instance(DcmDataset& dataset, const StudySpec& spec, const InstancePlace& place,
                            const PixelFrame& frame);

}  // namespace radloop::modality::internal
