// Finding scenario files: the files named, and every *.yaml / *.yml under the folders named, in
// a stable order (so a suite runs, and later shards, the same way everywhere).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "reference/core/result.hpp"

namespace radloop::harness {

// scenario_invalid when a path does not exist or a folder holds no scenario file.
Result<std::vector<std::filesystem::path>> scenario_files(const std::vector<std::string>& paths);

}  // namespace radloop::harness
