// Message storage, path access and editing.
#include "reference/hl7/message.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <limits>

#include "reference/hl7/escape.hpp"

namespace radloop::hl7 {
namespace {

// The n-th (1-based) piece of s split on sep; empty when there are fewer pieces.
std::string_view nth(std::string_view s, char sep, std::size_t n) {
  std::size_t start = 0;
  for (std::size_t i = 1; i < n; ++i) {
    const auto p = s.find(sep, start);
    if (p == std::string_view::npos) return {};
    start = p + 1;
  }
  const auto end = s.find(sep, start);
  return s.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
}

std::vector<std::string> split(std::string_view s, char sep, std::size_t at_least) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (true) {
    const auto p = s.find(sep, start);
    out.emplace_back(s.substr(start, p == std::string_view::npos ? std::string_view::npos : p - start));
    if (p == std::string_view::npos) break;
    start = p + 1;
  }
  if (out.size() < at_least) out.resize(at_least);
  return out;
}

std::string join(const std::vector<std::string>& parts, char sep) {
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i != 0) out += sep;
    out += parts[i];
  }
  return out;
}

std::string replace_element(std::string_view field, const Delimiters& d, std::size_t repetition, std::size_t component,
                            std::size_t subcomponent, std::string_view text) {
  if (repetition == 0) return std::string(text);
  auto reps = split(field, d.repetition, repetition);
  auto& rep = reps[repetition - 1];
  if (component == 0) {
    rep = std::string(text);
  } else {
    auto comps = split(rep, d.component, component);
    auto& comp = comps[component - 1];
    if (subcomponent == 0 || d.subcomponent == '\0') {
      comp = std::string(text);
    } else {
      auto subs = split(comp, d.subcomponent, subcomponent);
      subs[subcomponent - 1] = std::string(text);
      comp = join(subs, d.subcomponent);
    }
    rep = join(comps, d.component);
  }
  return join(reps, d.repetition);
}

bool is_header_id(std::string_view id) { return id == "MSH" || id == "FHS" || id == "BHS"; }

}  // namespace

std::string_view element(std::string_view field, const Delimiters& d, std::size_t repetition, std::size_t component,
                         std::size_t subcomponent) {
  std::string_view v = field;
  if (repetition != 0) v = nth(v, d.repetition, repetition);
  if (component != 0) v = nth(v, d.component, component);
  if (subcomponent != 0) {
    if (d.subcomponent == '\0') return subcomponent == 1 ? v : std::string_view{};
    v = nth(v, d.subcomponent, subcomponent);
  }
  return v;
}

Message Message::with_header(const Delimiters& delimiters, std::string_view header_id) {
  Message m;
  m.delimiters_ = delimiters;
  m.fields_.push_back(m.keep(header_id));
  m.fields_.push_back(m.keep(std::string(1, delimiters.field)));
  m.fields_.push_back(m.keep(delimiters.encoding_characters()));
  m.segments_.push_back(SegmentSlot{0, 3});
  return m;
}

std::string_view Message::field(std::size_t segment, std::size_t field) const {
  const auto& slot = segments_.at(segment);
  if (field >= slot.count) return {};
  const auto& span = fields_[slot.first + field];
  return std::string_view(store_).substr(span.offset, span.length);
}

std::optional<std::size_t> Message::find(std::string_view id, std::size_t occurrence) const {
  std::size_t seen = 0;
  for (std::size_t i = 0; i < segments_.size(); ++i) {
    if (segment_id(i) == id && ++seen == occurrence) return i;
  }
  return std::nullopt;
}

std::vector<std::size_t> Message::find_all(std::string_view id) const {
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < segments_.size(); ++i) {
    if (segment_id(i) == id) out.push_back(i);
  }
  return out;
}

std::vector<SegmentRange> Message::groups(std::string_view anchor, const std::vector<std::string_view>& stop_at) const {
  std::vector<SegmentRange> out;
  constexpr auto kNone = static_cast<std::size_t>(-1);
  std::size_t open = kNone;
  for (std::size_t i = 0; i < segments_.size(); ++i) {
    const auto id = segment_id(i);
    const bool stops = std::find(stop_at.begin(), stop_at.end(), id) != stop_at.end();
    if (open != kNone && (id == anchor || stops)) {
      out.push_back({open, i});
      open = kNone;
    }
    if (id == anchor) open = i;
  }
  if (open != kNone) out.push_back({open, segments_.size()});
  return out;
}

bool Message::is_header(std::size_t segment) const { return is_header_id(segment_id(segment)); }

std::optional<std::size_t> Message::resolve_segment(const Path& path) const {
  return find(path.segment, path.occurrence);
}

std::string_view Message::raw_at(std::size_t segment, std::size_t field_number, std::size_t repetition,
                                 std::size_t component, std::size_t subcomponent) const {
  const auto text = field(segment, field_number);
  if (field_number <= 2 && is_header(segment)) return text;  // the delimiters themselves: never split
  return element(text, delimiters_, repetition, component, subcomponent);
}

std::string Message::decoded_at(std::size_t segment, std::size_t field_number, std::size_t repetition,
                                std::size_t component, std::size_t subcomponent) const {
  const auto text = raw_at(segment, field_number, repetition, component, subcomponent);
  if (field_number <= 2 && is_header(segment)) return std::string(text);
  return unescape(text, delimiters_, charset_);
}

std::string_view Message::raw(const Path& path) const {
  const auto segment = resolve_segment(path);
  if (!segment) return {};
  return raw_at(*segment, path.field, path.effective_repetition(), path.component, path.subcomponent);
}

std::string Message::get(const Path& path) const {
  const auto segment = resolve_segment(path);
  if (!segment) return {};
  return decoded_at(*segment, path.field, path.effective_repetition(), path.component, path.subcomponent);
}

Result<std::string> Message::get(std::string_view path) const {
  auto p = parse_path(path);
  if (!p) return p.error();
  return get(p.value());
}

Result<std::string> Message::raw(std::string_view path) const {
  auto p = parse_path(path);
  if (!p) return p.error();
  return std::string(raw(p.value()));
}

std::string Message::value(std::size_t segment, std::size_t field_number, std::size_t repetition, std::size_t component,
                           std::size_t subcomponent) const {
  if (segment >= segments_.size()) return {};
  return decoded_at(segment, field_number, repetition, component, subcomponent);
}

std::size_t Message::repetition_count(std::size_t segment, std::size_t field_number) const {
  const auto text = field(segment, field_number);
  if (text.empty()) return 0;
  if (field_number <= 2 && is_header(segment)) return 1;
  return static_cast<std::size_t>(std::count(text.begin(), text.end(), delimiters_.repetition)) + 1;
}

bool Message::is_null(std::string_view path) const {
  auto r = raw(path);
  return r.ok() && r.value() == "\"\"";
}

Message::Span Message::keep(std::string_view text) {
  const Span span{static_cast<std::uint32_t>(store_.size()), static_cast<std::uint32_t>(text.size())};
  store_.append(text);
  return span;
}

void Message::set_field_text(std::size_t segment, std::size_t field_number, std::string_view er7) {
  auto& slot = segments_[segment];
  if (field_number >= slot.count) {
    // Grow: move this segment's fields to the end of fields_ so every segment stays contiguous.
    const auto first = static_cast<std::uint32_t>(fields_.size());
    for (std::uint32_t i = 0; i < slot.count; ++i) fields_.push_back(fields_[slot.first + i]);
    fields_.resize(first + field_number + 1);
    slot = SegmentSlot{first, static_cast<std::uint32_t>(field_number + 1)};
  }
  fields_[slot.first + field_number] = keep(er7);
}

Result<void> Message::write(const Path& path, std::string_view er7) {
  if (er7.empty() && raw(path).empty()) return {};  // nothing to write: grow nothing
  auto segment = resolve_segment(path);
  if (!segment) {
    const auto present = find_all(path.segment).size();
    if (path.occurrence != present + 1) {
      return Error{
          Errc::hl7_bad_path, path.to_string(),
          fmt::format("the message has {} {} segment(s); a set can add only the next one", present, path.segment)};
    }
    segment = append_segment(path.segment);
  }
  if (path.field <= 2 && is_header(*segment)) {
    return Error{Errc::hl7_bad_path, path.to_string(),
                 "MSH-1 and MSH-2 are the message's delimiters; build the message with other delimiters instead"};
  }
  const auto old = field(*segment, path.field);
  set_field_text(
      *segment, path.field,
      replace_element(old, delimiters_, path.effective_repetition(), path.component, path.subcomponent, er7));
  if (path.segment == "MSH" && path.field == 18) refresh_charset();
  return {};
}

Result<void> Message::set(const Path& path, std::string_view value) {
  auto er7 = escape(value, delimiters_, charset_);
  if (!er7) return Error{er7.error().code, path.to_string(), er7.error().detail};
  return write(path, er7.value());
}

Result<void> Message::set(std::string_view path, std::string_view value) {
  auto p = parse_path(path);
  if (!p) return p.error();
  return set(p.value(), value);
}

Result<void> Message::set_raw(const Path& path, std::string_view er7) {
  for (char c : er7) {
    if (c == '\r' || c == '\n' || c == delimiters_.field) {
      return Error{Errc::hl7_bad_path, path.to_string(),
                   "raw text for one field cannot hold a field separator or a line break"};
    }
  }
  return write(path, er7);
}

Result<void> Message::set_raw(std::string_view path, std::string_view er7) {
  auto p = parse_path(path);
  if (!p) return p.error();
  return set_raw(p.value(), er7);
}

Message Message::slice(std::size_t begin, std::size_t end) const {
  Message m;
  m.delimiters_ = delimiters_;
  m.charset_ = charset_;
  for (std::size_t s = begin; s < end && s < segments_.size(); ++s) {
    const auto first = static_cast<std::uint32_t>(m.fields_.size());
    for (std::size_t f = 0; f <= field_count(s); ++f) m.fields_.push_back(m.keep(field(s, f)));
    m.segments_.push_back(SegmentSlot{first, segments_[s].count});
  }
  return m;
}

std::size_t Message::append_segment(std::string_view id) { return insert_segment(segments_.size(), id); }

Result<std::size_t> Message::append_segment(std::string_view id, const std::vector<std::string>& fields) {
  const std::array<char, 3> breaks{'\r', '\n', delimiters_.field};
  const std::string_view forbidden(breaks.data(), breaks.size());
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (fields[i].find_first_of(forbidden) != std::string::npos) {
      return Error{Errc::hl7_bad_path, std::string(id) + "-" + std::to_string(i + (is_header_id(id) ? 3 : 1)),
                   "raw text for one field cannot hold a field separator or a line break"};
    }
  }
  const auto segment = append_segment(id);
  std::size_t kept = fields.size();
  while (kept > 0 && fields[kept - 1].empty()) --kept;
  // The new segment's fields are the last ones in fields_, so these extend it in place.
  for (std::size_t i = 0; i < kept; ++i) fields_.push_back(keep(fields[i]));
  segments_[segment].count += static_cast<std::uint32_t>(kept);
  if (id == "MSH" && kept >= 16) refresh_charset();  // MSH-18 came with it
  return segment;
}

std::size_t Message::insert_segment(std::size_t before, std::string_view id) {
  const auto first = static_cast<std::uint32_t>(fields_.size());
  fields_.push_back(keep(id));
  std::uint32_t count = 1;
  if (is_header_id(id)) {
    fields_.push_back(keep(std::string(1, delimiters_.field)));
    fields_.push_back(keep(delimiters_.encoding_characters()));
    count = 3;
  }
  before = std::min(before, segments_.size());
  segments_.insert(segments_.begin() + static_cast<std::ptrdiff_t>(before), SegmentSlot{first, count});
  return before;
}

void Message::remove_segment(std::size_t segment) {
  if (segment >= segments_.size()) return;
  segments_.erase(segments_.begin() + static_cast<std::ptrdiff_t>(segment));
}

void Message::refresh_charset() {
  const auto msh = find("MSH");
  if (!msh) return;
  bool known = false;
  const auto cs = charset_from_msh18(element(field(*msh, 18), delimiters_, 1, 0, 0), known);
  if (known) charset_ = cs;
}

std::string Message::serialize() const {
  std::string out;
  out.reserve(store_.size() + fields_.size() + segments_.size());
  const std::string_view store(store_);
  for (std::size_t s = 0; s < segments_.size(); ++s) {
    const auto& slot = segments_[s];
    const auto* f = &fields_[slot.first];
    out.append(store.substr(f[0].offset, f[0].length));
    std::uint32_t i = 1;
    if (is_header(s) && slot.count >= 2) {
      out += delimiters_.field;  // MSH-1 is the separator itself, written once
      i = 2;
      if (slot.count >= 3) out.append(store.substr(f[2].offset, f[2].length)), i = 3;
    }
    for (; i < slot.count; ++i) {
      out += delimiters_.field;
      out.append(store.substr(f[i].offset, f[i].length));
    }
    if (s + 1 < segments_.size() || final_terminator_) out += '\r';
  }
  return out;
}

bool Message::operator==(const Message& other) const {
  if (!(delimiters_ == other.delimiters_) || segments_.size() != other.segments_.size()) return false;
  for (std::size_t s = 0; s < segments_.size(); ++s) {
    if (field_count(s) != other.field_count(s)) return false;
    for (std::size_t f = 0; f <= field_count(s); ++f) {
      if (field(s, f) != other.field(s, f)) return false;
    }
  }
  return true;
}

}  // namespace radloop::hl7
