// A minimal, valid PDF 1.4: pages of Helvetica text lines, with a correct cross-reference table.
#pragma once

#include <string>
#include <vector>

namespace radloop::modality::internal {

// Lines are written top to bottom, 54 to a page; characters outside printable ASCII become '?'.
std::string text_pdf(const std::vector<std::string>& lines);

}  // namespace radloop::modality::internal
