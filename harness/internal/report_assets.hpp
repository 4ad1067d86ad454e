// The HTML report's page, style and script as compiled into the program: the generated
// report_assets.cpp defines report_assets() (cmake/RadloopEmbedFiles.cmake writes it from
// harness/report_assets).
#pragma once

#include <span>
#include <string_view>

namespace radloop::harness::internal {

struct EmbeddedFile {
  std::string_view name;  // "report.css": the file's name in harness/report_assets
  std::string_view body;  // its bytes, exactly as on disk
};

// Every file of harness/report_assets, in the order harness/CMakeLists.txt lists them.
std::span<const EmbeddedFile> report_assets();

}  // namespace radloop::harness::internal
