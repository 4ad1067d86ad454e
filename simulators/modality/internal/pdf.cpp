// Writing a small text PDF by hand (PDF 1.4, ISO 32000-1 section 7): objects, one content stream
// per page, the xref table with each object's byte offset.
#include "simulators/modality/internal/pdf.hpp"

#include <fmt/format.h>

namespace radloop::modality::internal {
namespace {

constexpr std::size_t kLinesPerPage = 54;

// A PDF literal string: parentheses and backslashes escaped, non-ASCII replaced.
std::string literal(const std::string& line) {
  std::string out = "(";
  for (char c : line) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '(' || c == ')' || c == '\\') out += '\\';
    out += (u < 0x20 || u > 0x7E) ? '?' : c;
  }
  return out + ")";
}

}  // namespace

std::string text_pdf(const std::vector<std::string>& lines) {
  std::vector<std::vector<std::string>> pages;
  for (std::size_t i = 0; i < lines.size() || pages.empty(); i += kLinesPerPage) {
    pages.emplace_back(lines.begin() + static_cast<std::ptrdiff_t>(std::min(i, lines.size())),
                       lines.begin() + static_cast<std::ptrdiff_t>(std::min(i + kLinesPerPage, lines.size())));
  }
  // Objects: 1 catalog, 2 page tree, 3 font, then per page: the page and its content stream.
  std::vector<std::string> objects;
  objects.emplace_back("<< /Type /Catalog /Pages 2 0 R >>");
  std::string kids;
  for (std::size_t p = 0; p < pages.size(); ++p) kids += fmt::format("{} 0 R ", 4 + 2 * p);
  objects.push_back(fmt::format("<< /Type /Pages /Kids [{}] /Count {} >>", kids, pages.size()));
  objects.emplace_back("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>");
  for (std::size_t p = 0; p < pages.size(); ++p) {
    objects.push_back(
        fmt::format("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> "
                    "/Contents {} 0 R >>",
                    5 + 2 * p));
    std::string stream = "BT /F1 10 Tf 14 TL 50 800 Td\n";
    for (const auto& line : pages[p]) stream += literal(line) + " Tj T*\n";
    stream += "ET\n";
    objects.push_back(fmt::format("<< /Length {} >>\nstream\n{}endstream", stream.size(), stream));
  }
  std::string pdf = "%PDF-1.4\n%\xE2\xE3\xCF\xD3\n";
  std::vector<std::size_t> offsets;
  for (std::size_t i = 0; i < objects.size(); ++i) {
    offsets.push_back(pdf.size());
    pdf += fmt::format("{} 0 obj\n{}\nendobj\n", i + 1, objects[i]);
  }
  const auto xref = pdf.size();
  pdf += fmt::format("xref\n0 {}\n0000000000 65535 f \n", objects.size() + 1);
  for (auto offset : offsets) pdf += fmt::format("{:010} 00000 n \n", offset);
  pdf += fmt::format("trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{}\n%%EOF\n", objects.size() + 1, xref);
  return pdf;
}

}  // namespace radloop::modality::internal
