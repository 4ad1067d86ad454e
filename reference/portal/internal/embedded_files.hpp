// The console's files as compiled into the program: the generated console_files.cpp defines
// console_files() (cmake/RadloopEmbedFiles.cmake writes it from reference/portal/console).
#pragma once

#include <span>
#include <string_view>

namespace radloop::portal::internal {

struct EmbeddedFile {
  std::string_view name;  // "index.html": the file's name in reference/portal/console
  std::string_view body;  // its bytes, exactly as on disk
};

// Every file of the console, in the order reference/CMakeLists.txt lists them.
std::span<const EmbeddedFile> console_files();

}  // namespace radloop::portal::internal
