// The report record's text helpers (see report.hpp).
#include "reference/report/report.hpp"

#include <algorithm>
#include <cctype>

namespace radloop::report {
namespace {

std::string upper(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return text;
}

void append_sections(std::string& out, const std::vector<Section>& sections) {
  for (const auto& s : sections) {
    if (!out.empty()) out += "\n\n";
    out += upper(s.heading);
    out += ":\n";
    out += s.text;
  }
}

}  // namespace

std::string_view to_string(Status status) {
  switch (status) {
    case Status::preliminary: return "P";
    case Status::final_: return "F";
    case Status::corrected: return "C";
    case Status::cancelled: return "X";
    case Status::unknown: return "";
  }
  return "";
}

std::string Report::narrative() const {
  std::string out;
  append_sections(out, sections);
  append_sections(out, addenda);
  return out;
}

std::string plain_text(std::string_view text, char escape) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != escape) {
      out += text[i];
      continue;
    }
    const auto end = text.find(escape, i + 1);
    if (end == std::string_view::npos) {  // a lone escape character is text
      out += text[i];
      continue;
    }
    const auto command = text.substr(i + 1, end - i - 1);
    const bool formatting = command == "H" || command == "N" || (!command.empty() && command.front() == '.');
    if (!formatting) {  // not ours to remove (the codec decoded the rest already)
      out += text.substr(i, end - i + 1);
    } else if (command == ".sp" || command.starts_with(".sp")) {
      out += '\n';
    }
    i = end;
  }
  return out;
}

}  // namespace radloop::report
