// Addressing inside a message: paths ("PID-3(2).4.1") and locations for errors and warnings.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "reference/core/result.hpp"

namespace radloop::hl7 {

// SEG[(occurrence)]-field[(repetition)][.component[.subcomponent]], all 1-based.
// 0 means "not given": no repetition and no component = the whole field, every repetition.
struct Path {
  std::string segment;  // "PID"
  std::size_t occurrence = 1;
  std::size_t field = 0;
  std::size_t repetition = 0;
  std::size_t component = 0;
  std::size_t subcomponent = 0;

  // The repetition to use when a component is addressed without one: the first.
  [[nodiscard]] std::size_t effective_repetition() const {
    return repetition != 0 ? repetition : (component != 0 ? 1 : 0);
  }
  [[nodiscard]] std::string to_string() const;
};

Result<Path> parse_path(std::string_view text);

// Three characters: an upper-case letter, then upper-case letters or digits ("PID", "PD1", "ZDS").
bool is_segment_id(std::string_view id);

// Where something is in a message. `segment` is the 1-based position of the segment in the
// message; `line` is used instead for problems found before segments exist.
struct Location {
  std::size_t segment = 0;
  std::string segment_id;
  std::size_t field = 0;
  std::size_t repetition = 0;
  std::size_t component = 0;
  std::size_t subcomponent = 0;
  std::size_t line = 0;
  std::size_t column = 0;

  // "PID-3(2).4 (segment 3)", "segment 4 (BHS)", "line 5", "line 2, column 17", "message".
  [[nodiscard]] std::string to_string() const;

  static Location of_line(std::size_t line, std::size_t column = 0) {
    Location l;
    l.line = line;
    l.column = column;
    return l;
  }
  static Location of_segment(std::size_t segment, std::string_view id, std::size_t field = 0) {
    Location l;
    l.segment = segment;
    l.segment_id = std::string(id);
    l.field = field;
    return l;
  }
};

}  // namespace radloop::hl7
