// Reads the identifying attributes of a received instance file into an InstanceRecord, leaving
// long values (pixel data) on disk so a large image is never held in memory.
#pragma once

#include <string>

#include "reference/core/result.hpp"
#include "reference/dicom/instance.hpp"

namespace radloop::dicom::internal {

// Fills the attribute fields (patient to transfer syntax); file, digest, AE and outcome are left.
// `bytes`, when given, are the whole file already in memory: parsed from there, not reopened.
Result<InstanceRecord> read_instance_header(const std::string& path, const std::string& bytes = {});

}  // namespace radloop::dicom::internal
