// Scenario files from paths (see catalog.hpp).
#include "harness/catalog.hpp"

#include <algorithm>

namespace radloop::harness {

Result<std::vector<std::filesystem::path>> scenario_files(const std::vector<std::string>& paths) {
  namespace fs = std::filesystem;
  std::vector<fs::path> out;
  for (const auto& text : paths) {
    const fs::path path(text);
    std::error_code ec;
    if (fs::is_regular_file(path, ec)) {
      out.push_back(path);
      continue;
    }
    if (!fs::is_directory(path, ec)) {
      return Error{Errc::scenario_invalid, text, "no such file or folder"};
    }
    std::vector<fs::path> found;
    for (const auto& entry : fs::recursive_directory_iterator(path, ec)) {
      const auto ext = entry.path().extension();
      if (entry.is_regular_file() && (ext == ".yaml" || ext == ".yml")) found.push_back(entry.path());
    }
    if (ec) return Error{Errc::scenario_invalid, text, "cannot read the folder: " + ec.message()};
    if (found.empty()) return Error{Errc::scenario_invalid, text, "the folder holds no scenario file (*.yaml)"};
    std::sort(found.begin(), found.end());
    out.insert(out.end(), found.begin(), found.end());
  }
  return out;
}

}  // namespace radloop::harness
