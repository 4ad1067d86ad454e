// A temporary folder for one run (studies a modality writes, a reference system's storage),
// removed with everything in it when the run is over.
#pragma once

#include <filesystem>

namespace radloop::harness {

class ScratchDir {
 public:
  ScratchDir();  // path() is empty when no folder could be made
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  [[nodiscard]] const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace radloop::harness
