// Reads the identifying attributes of a received instance file into an InstanceRecord, leaving
// long values (pixel data) on disk so a large image is never held in memory.
#pragma once

#include <string>
#include <string_view>

#include "reference/core/result.hpp"
#include "reference/dicom/instance.hpp"
#include "reference/dicom/limits.hpp"

namespace radloop::dicom::internal {

// Fills the attribute fields (patient to transfer syntax); file, digest, AE and outcome are left.
// `bytes`, when given, are the whole file already in memory: parsed from there, not reopened.
// The file's shape is checked against `limits` first (dataset_shape.hpp): a file that breaks
// them is refused with Errc::dicom_refused before DCMTK reads a byte of it.
Result<InstanceRecord> read_instance_header(const std::string& path, std::string_view bytes = {},
                                            const DatasetLimits& limits = {});

}  // namespace radloop::dicom::internal
