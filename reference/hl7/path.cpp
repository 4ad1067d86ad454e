// Path parsing and location rendering.
#include "reference/hl7/path.hpp"

#include <fmt/format.h>

namespace radloop::hl7 {
namespace {

class Reader {
 public:
  explicit Reader(std::string_view s) : s_(s) {}
  [[nodiscard]] bool done() const { return i_ >= s_.size(); }
  [[nodiscard]] char peek() const { return done() ? '\0' : s_[i_]; }
  bool accept(char c) {
    if (peek() != c) return false;
    ++i_;
    return true;
  }
  // A positive decimal number; 0 when there is none or it is 0 (both invalid in a path).
  std::size_t number() {
    std::size_t n = 0;
    std::size_t digits = 0;
    while (!done() && s_[i_] >= '0' && s_[i_] <= '9' && digits < 6) {
      n = n * 10 + static_cast<std::size_t>(s_[i_] - '0');
      ++i_, ++digits;
    }
    return n;
  }
  std::string_view take(std::size_t n) {
    auto out = s_.substr(i_, n);
    i_ += out.size();
    return out;
  }
  [[nodiscard]] std::size_t position() const { return i_ + 1; }

 private:
  std::string_view s_;
  std::size_t i_ = 0;
};

Error bad(std::string_view text, std::string detail) {
  return Error{Errc::hl7_bad_path, std::string(text), std::move(detail)};
}

std::string element_suffix(std::size_t repetition, std::size_t component, std::size_t subcomponent) {
  std::string out;
  if (repetition > 1) out += fmt::format("({})", repetition);
  if (component != 0) out += fmt::format(".{}", component);
  if (subcomponent != 0) out += fmt::format(".{}", subcomponent);
  return out;
}

}  // namespace

Result<Path> parse_path(std::string_view text) {
  Reader r(text);
  Path p;
  const auto id = r.take(3);
  if (!is_segment_id(id)) return bad(text, "it must start with a three-character segment ID such as PID");
  p.segment = std::string(id);
  if (r.accept('(')) {
    p.occurrence = r.number();
    if (p.occurrence == 0 || !r.accept(')'))
      return bad(text, fmt::format("expected a segment occurrence like PID(2) at character {}", r.position()));
  }
  if (!r.accept('-')) return bad(text, fmt::format("expected '-' and a field number at character {}", r.position()));
  p.field = r.number();
  if (p.field == 0) return bad(text, "the field number must be 1 or more");
  if (r.accept('(')) {
    p.repetition = r.number();
    if (p.repetition == 0 || !r.accept(')'))
      return bad(text, fmt::format("expected a repetition like -3(2) at character {}", r.position()));
  }
  if (r.accept('.')) {
    p.component = r.number();
    if (p.component == 0) return bad(text, "the component number must be 1 or more");
    if (r.accept('.')) {
      p.subcomponent = r.number();
      if (p.subcomponent == 0) return bad(text, "the sub-component number must be 1 or more");
    }
  }
  if (!r.done()) return bad(text, fmt::format("unexpected '{}' at character {}", r.peek(), r.position()));
  return p;
}

bool is_segment_id(std::string_view id) {
  const auto upper = [](char c) { return c >= 'A' && c <= 'Z'; };
  const auto digit = [](char c) { return c >= '0' && c <= '9'; };
  return id.size() == 3 && upper(id[0]) && (upper(id[1]) || digit(id[1])) && (upper(id[2]) || digit(id[2]));
}

std::string Path::to_string() const {
  std::string out = segment;
  if (occurrence > 1) out += fmt::format("({})", occurrence);
  out += fmt::format("-{}", field);
  if (repetition != 0) out += fmt::format("({})", repetition);
  if (component != 0) out += fmt::format(".{}", component);
  if (subcomponent != 0) out += fmt::format(".{}", subcomponent);
  return out;
}

std::string Location::to_string() const {
  if (segment == 0) {
    if (line == 0) return "message";
    return column == 0 ? fmt::format("line {}", line) : fmt::format("line {}, column {}", line, column);
  }
  if (field == 0) return fmt::format("segment {} ({})", segment, segment_id);
  return fmt::format("{}-{}{} (segment {})", segment_id, field, element_suffix(repetition, component, subcomponent),
                     segment);
}

}  // namespace radloop::hl7
