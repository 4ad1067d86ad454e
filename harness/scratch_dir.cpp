// ScratchDir (see the header).
#include "harness/scratch_dir.hpp"

#include <cstdlib>
#include <string>

namespace radloop::harness {

ScratchDir::ScratchDir() {
  auto pattern = (std::filesystem::temp_directory_path() / "radloop-run-XXXXXX").string();
  if (::mkdtemp(pattern.data()) != nullptr) path_ = pattern;
}

ScratchDir::~ScratchDir() {
  std::error_code ec;
  if (!path_.empty()) std::filesystem::remove_all(path_, ec);
}

}  // namespace radloop::harness
