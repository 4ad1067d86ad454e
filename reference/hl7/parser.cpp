// ER7 parser: one pass over the bytes finds lines, field separators and forbidden bytes;
// repetitions and below are split later, on access.
#include "reference/hl7/parser.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <optional>

namespace radloop::hl7 {
namespace {

constexpr std::size_t kMaxHeaderFields = 30;  // no HL7 version defines more than 28 MSH fields
constexpr std::size_t kMaxInput = std::size_t{1} << 31;

enum ByteClass : unsigned char { kPlain = 0, kFieldSep, kCr, kLf, kControl, kHigh };

std::string printable(std::string_view s, std::size_t max = 24) {
  std::string out;
  for (std::size_t i = 0; i < s.size() && i < max; ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c < 0x7F) {
      out += static_cast<char>(c);
    } else {
      out += fmt::format("\\x{:02X}", c);
    }
  }
  if (s.size() > max) out += "...";
  return out;
}

bool is_header_id(std::string_view id) { return id == "MSH" || id == "FHS" || id == "BHS"; }
bool alnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }

Error malformed(const Location& where, std::string detail) {
  return Error{Errc::hl7_malformed, where.to_string(), std::move(detail)};
}

// The version in MSH-12 as major*100 + minor ("2.7.1" -> 207); nullopt when unreadable.
std::optional<int> header_version(std::string_view line, char field_sep, char component) {
  std::size_t start = 0;
  for (int i = 0; i < 11; ++i) {
    const auto p = line.find(field_sep, start);
    if (p == std::string_view::npos) return std::nullopt;
    start = p + 1;
  }
  auto v = line.substr(start, line.find(field_sep, start) - start);
  v = v.substr(0, v.find(component));
  const int version = version_number(v);
  if (version == 0) return std::nullopt;
  return version;
}

bool narrative_field(std::string_view id, std::size_t field) {
  return (id == "OBX" && field == 5) || (id == "NTE" && field == 3) || (id == "OBR" && field == 13);
}

}  // namespace

class Parser {
 public:
  Parser(std::string_view bytes, const ParseOptions& options) : in_(bytes), options_(options) {}

  Result<Message> run() {
    if (in_.size() >= kMaxInput) {
      return Error{Errc::hl7_malformed, "message",
                   fmt::format("{} bytes is more than the 2 GiB a message may hold", in_.size())};
    }
    if (auto framed = strip_framing(); !framed) return framed.error();
    if (in_.find_first_not_of(" \t\r\n") == std::string_view::npos) {
      return Error{Errc::hl7_not_a_message, "message",
                   in_.empty() ? "the input is empty" : "the input holds only blank lines and spaces"};
    }
    const auto id = in_.substr(0, 3);
    if (!is_header_id(id)) {
      return Error{
          Errc::hl7_not_a_message, "line 1",
          fmt::format("the first segment is '{}'; a message starts with MSH (a batch with BHS, a file with FHS)",
                      printable(in_.substr(0, in_.find_first_of("\r\n|")), 12))};
    }
    auto delimiters = read_delimiters(in_.substr(0, in_.find_first_of("\r\n")), 1, id);
    if (!delimiters) return delimiters.error();
    m_.delimiters_ = delimiters.value();
    header_encoding_ = in_.substr(4, in_.find_first_of(std::string{'\r', '\n', m_.delimiters_.field}, 4) - 4);
    build_classes();

    m_.store_.assign(in_);
    // A guess from typical field sizes, capped: a 16 MiB report is mostly one base64 field.
    m_.fields_.reserve(std::min<std::size_t>(in_.size() / 6, 1U << 16) + 8);
    m_.segments_.reserve(std::min<std::size_t>(in_.size() / 60, 1U << 12) + 4);
    if (auto scanned = scan(); !scanned) return scanned.error();
    if (!extra_.empty()) m_.store_ += extra_;
    if (auto finished = finish(); !finished) return finished.error();
    return std::move(m_);
  }

 private:
  Result<void> warn_or_fail(const Location& where, std::string text) {
    if (options_.strict) return malformed(where, text + " (strict mode)");
    m_.warnings_.push_back(Warning{where, std::move(text)});
    return {};
  }

  Result<void> strip_framing() {
    if (in_.empty() || in_.front() != '\x0b') return {};
    if (in_.size() >= 3 && in_.substr(in_.size() - 2) == "\x1c\r") {
      in_ = in_.substr(1, in_.size() - 3);
      return warn_or_fail(Location::of_line(1), "MLLP framing (<VT> ... <FS><CR>) around the message was removed");
    }
    return malformed(Location::of_line(1),
                     "the input starts with MLLP <VT> but does not end with <FS><CR>: the frame is incomplete");
  }

  Result<Delimiters> read_delimiters(std::string_view line, std::size_t segment, std::string_view id) {
    const auto where = [&](std::size_t field) { return Location::of_segment(segment, id, field).to_string(); };
    const auto bad = [&](std::size_t field, std::string detail) {
      return Error{Errc::hl7_bad_encoding_chars, where(field), std::move(detail)};
    };
    if (line.size() < 4) return bad(1, fmt::format("the {} segment ends before its field separator", id));
    Delimiters d;
    d.field = line[3];
    const auto usable = [](char c) { return c > ' ' && c < '\x7f' && !alnum(c); };
    if (!usable(d.field)) {
      return bad(1, fmt::format("'{}' cannot be the field separator: it must be a printable character that is "
                                "not a letter, digit or space",
                                printable(std::string_view(&line[3], 1))));
    }
    auto enc = line.substr(4, line.find(d.field, 4) - 4);
    std::string chars(enc);
    if (chars.size() == 5 && chars[2] == chars[3]) {
      chars.erase(3, 1);  // "^~\\&": a backslash doubled by copying out of source code
      if (auto w = warn_or_fail(Location::of_segment(segment, id, 2),
                                fmt::format("{}-2 '{}' doubles the escape character; read as '{}'", id, enc, chars));
          !w) {
        return w.error();
      }
    }
    for (std::size_t i = 0; i < chars.size(); ++i) {
      if (!usable(chars[i])) {
        return bad(2, fmt::format("'{}' (character {} of {}-2) cannot be a delimiter: delimiters are printable, "
                                  "not letters, digits or spaces",
                                  printable(std::string_view(&chars[i], 1)), i + 1, id));
      }
      if (chars[i] == d.field || chars.find(chars[i]) != i) {
        return bad(2, fmt::format("{}-2 '{}' uses '{}' twice; every delimiter must be different", id, printable(enc),
                                  chars[i]));
      }
    }
    if (chars.size() < 3 || chars.size() > 5) {
      return bad(2, fmt::format("{}-2 '{}' has {} characters; it needs 4 (component, repetition, escape, "
                                "sub-component), or 5 with the v2.7 truncation character, e.g. ^~\\&",
                                id, printable(enc), chars.size()));
    }
    d.component = chars[0];
    d.repetition = chars[1];
    d.escape = chars[2];
    d.subcomponent = chars.size() >= 4 ? chars[3] : '\0';
    d.truncation = chars.size() == 5 ? chars[4] : '\0';
    if (chars.size() == 3) {
      constexpr std::string_view kStandard = "^~\\&";
      for (std::size_t i = 0; i < 3; ++i) {
        const auto at = kStandard.find(chars[i]);
        if (at != std::string_view::npos && at != i) {
          return bad(2, fmt::format("{}-2 '{}' has 3 characters in the wrong roles (the standard set is ^~\\&): "
                                    "a delimiter is missing",
                                    id, enc));
        }
      }
      const auto version = header_version(line, d.field, d.component);
      if (version && *version >= 207) {
        return bad(2, fmt::format("{}-2 '{}' has no sub-component separator, which v2.7 and later require", id, enc));
      }
      if (auto w =
              warn_or_fail(Location::of_segment(segment, id, 2),
                           fmt::format("{}-2 '{}' declares no sub-component separator; '&' is read as text", id, enc));
          !w) {
        return w.error();
      }
    }
    return d;
  }

  void build_classes() {
    classes_.fill(kPlain);
    for (int c = 0; c < 0x20; ++c) classes_[static_cast<std::size_t>(c)] = kControl;
    classes_['\t'] = kPlain;
    classes_[0x7F] = kControl;
    for (int c = 0x80; c < 0x100; ++c) classes_[static_cast<std::size_t>(c)] = kHigh;
    classes_['\r'] = kCr;
    classes_['\n'] = kLf;
    classes_[static_cast<unsigned char>(m_.delimiters_.field)] = kFieldSep;
  }

  Result<void> scan() {
    const char* s = m_.store_.data();
    const std::size_t n = m_.store_.size();
    std::size_t pos = 0;
    std::size_t line = 0;
    while (pos < n) {
      ++line;
      const std::size_t start = pos;
      seps_.clear();
      std::size_t end = start;
      while (end < n) {
        const auto cls = classes_[static_cast<unsigned char>(s[end])];
        if (cls == kPlain) {
          ++end;
          continue;
        }
        if (cls == kFieldSep) {
          seps_.push_back(end);
        } else if (cls == kHigh) {
          high_bytes_ = true;
        } else if (cls == kControl) {
          return malformed(Location::of_line(line, end - start + 1),
                           fmt::format("control character 0x{:02X} is not allowed in an HL7 message",
                                       static_cast<unsigned char>(s[end])));
        } else {
          break;  // CR or LF
        }
        ++end;
      }
      std::size_t next = end;
      if (end < n) {
        if (s[end] == '\r') {
          ++next;
          if (next < n && s[next] == '\n') ++next, note_line_feed(line, "CRLF");
        } else {
          ++next;
          note_line_feed(line, "LF");
        }
      } else {
        m_.final_terminator_ = false;
      }
      if (auto r = line_read(start, end, line); !r) return r;
      pos = next;
    }
    if (blank_lines_ > 0) return skip_blank_lines();
    return {};
  }

  void note_line_feed(std::size_t line, std::string_view kind) {
    if (first_lf_line_ == 0) first_lf_line_ = line, lf_kind_ = kind;
  }

  Result<void> line_read(std::size_t start, std::size_t end, std::size_t line) {
    const std::string_view text = std::string_view(m_.store_).substr(start, end - start);
    if (text.find_first_not_of(" \t") == std::string_view::npos) {
      if (blank_lines_++ == 0) first_blank_line_ = line;
      return {};
    }
    const auto fs = m_.delimiters_.field;
    if (is_segment_id(text.substr(0, 3)) && (text.size() == 3 || text[3] == fs)) {
      if (blank_lines_ > 0) {
        if (auto r = skip_blank_lines(); !r) return r;
      }
      return add_segment(start, end, text.substr(0, 3));
    }
    std::size_t token = 0;
    while (token < text.size() && alnum(text[token])) ++token;
    if (token >= 1 && token <= 4 && token < text.size() && text[token] == fs) {
      return malformed(Location::of_line(line),
                       fmt::format("'{}' is not a segment ID: a segment starts with three upper-case letters or "
                                   "digits, the first a letter, then '{}'",
                                   printable(text.substr(0, token)), fs));
    }
    return continue_segment(start, end, line);
  }

  Result<void> skip_blank_lines() {
    const auto count = blank_lines_;
    blank_lines_ = 0;
    return warn_or_fail(Location::of_line(first_blank_line_),
                        count == 1 ? std::string("an empty line between segments was skipped")
                                   : fmt::format("{} empty lines between segments were skipped", count));
  }

  Result<void> add_segment(std::size_t start, std::size_t end, std::string_view id) {
    const auto index = m_.segments_.size() + 1;
    if (auto r = follow_batch_structure(index, id); !r) return r;
    const auto first = static_cast<std::uint32_t>(m_.fields_.size());
    m_.fields_.push_back(span(start, 3));
    std::size_t field_start = start + 4;
    std::size_t sep = 1;  // seps_[0] follows the segment ID (for a header it is MSH-1 itself)
    if (is_header_id(id)) {
      if (end < start + 4) {
        return Error{Errc::hl7_bad_encoding_chars, Location::of_segment(index, id, 1).to_string(),
                     fmt::format("{} ends before its field separator and encoding characters", id)};
      }
      const auto enc = std::string_view(m_.store_).substr(start + 4, (seps_.size() > 1 ? seps_[1] : end) - start - 4);
      if (index > 1 && enc != header_encoding_) {
        return Error{Errc::hl7_bad_encoding_chars, Location::of_segment(index, id, 2).to_string(),
                     fmt::format("{}-2 '{}' differs from the first header's '{}'; one input uses one set of delimiters",
                                 id, printable(enc), printable(header_encoding_))};
      }
      m_.fields_.push_back(span(start + 3, 1));
    }
    if (end > start + 3) {
      for (; sep < seps_.size(); ++sep) {
        m_.fields_.push_back(span(field_start, seps_[sep] - field_start));
        field_start = seps_[sep] + 1;
      }
      m_.fields_.push_back(span(field_start, end - field_start));
    }
    const auto count = static_cast<std::uint32_t>(m_.fields_.size() - first);
    m_.segments_.push_back(Message::SegmentSlot{first, count});
    current_text_ = span(start, end - start);
    current_in_extra_ = false;
    current_id_ = std::string(id);
    if (is_header_id(id) && count - 1 > kMaxHeaderFields) {
      return malformed(Location::of_segment(index, id),
                       fmt::format("{} has {} fields where HL7 defines at most 28: its segment terminators (CR) are "
                                   "probably missing",
                                   id, count - 1));
    }
    return {};
  }

  Result<void> continue_segment(std::size_t start, std::size_t end, std::size_t line) {
    const auto index = m_.segments_.size();  // 1-based position of the segment being continued
    // Read from the parser's own record: a rebuilt segment's text is not in the store yet.
    const std::string_view id = current_id_;
    const auto last_field = m_.segments_.back().count - 1;
    const auto text = std::string_view(m_.store_).substr(start, end - start);
    if (!narrative_field(id, last_field)) {
      return malformed(Location::of_line(line),
                       fmt::format("'{}' does not start a segment, and it cannot continue {}-{} (segment {}), which "
                                   "is not a text field: a segment terminator inside a field?",
                                   printable(text), id, last_field, index));
    }
    const auto where = Location::of_segment(index, id, last_field);
    if (options_.strict) {
      return malformed(Location::of_line(line),
                       fmt::format("a raw line break inside {}: a sender must write {}.br{} for a line break "
                                   "(strict mode)",
                                   where.to_string(), m_.delimiters_.escape, m_.delimiters_.escape));
    }
    m_.warnings_.push_back(Warning{where, fmt::format("a raw line break (line {}) was read as a line break in the "
                                                      "value; a sender should write {}.br{}",
                                                      line, m_.delimiters_.escape, m_.delimiters_.escape)});
    // Rebuild the segment as one line with \.br\ where the breaks were, then split it again.
    std::string joined(current_in_extra_
                           ? std::string_view(extra_).substr(current_text_.offset, current_text_.length)
                           : std::string_view(m_.store_).substr(current_text_.offset, current_text_.length));
    const std::string br{m_.delimiters_.escape, '.', 'b', 'r', m_.delimiters_.escape};
    for (std::size_t i = 0; i <= blank_lines_; ++i) joined += br;
    blank_lines_ = 0;
    joined += text;
    const auto offset = extra_.size();
    extra_ += joined;
    current_text_ = span(offset, joined.size());
    current_in_extra_ = true;

    const auto slot = m_.segments_.back();
    m_.fields_.resize(slot.first);
    const auto base = m_.store_.size();  // extra_ is appended to store_ after the scan
    std::size_t field_start = 0;
    for (std::size_t i = 0; i <= joined.size(); ++i) {
      if (i == joined.size() || joined[i] == m_.delimiters_.field) {
        m_.fields_.push_back(span(base + offset + field_start, i - field_start));
        field_start = i + 1;
      }
    }
    m_.segments_.back().count = static_cast<std::uint32_t>(m_.fields_.size() - slot.first);
    return {};
  }

  Result<void> follow_batch_structure(std::size_t index, std::string_view id) {
    const auto where = Location::of_segment(index, id);
    if (expect_message_ && id != "MSH" && id != "BTS" && id != "BHS") {
      return malformed(where, fmt::format("{} follows {} directly; each message in a batch starts with MSH", id,
                                          expect_message_after_));
    }
    expect_message_ = false;
    if (id == "FHS") {
      if (index != 1) return malformed(where, "FHS (file header) may only be the first segment");
      file_open_ = index;
      expect_message_ = true, expect_message_after_ = "FHS";
    } else if (id == "BHS") {
      if (batch_open_ != 0) {
        return malformed(where, fmt::format("a batch header inside the batch opened at segment {}, which no BTS closed",
                                            batch_open_));
      }
      if (in_message_ && file_open_ == 0 && index != 1) {
        return malformed(where, "a batch header inside a message; a batch starts before its first MSH");
      }
      batch_open_ = index;
      in_message_ = false;
      expect_message_ = true, expect_message_after_ = "BHS";
    } else if (id == "BTS") {
      if (batch_open_ == 0) return malformed(where, "BTS (batch trailer) without a batch header (BHS)");
      batch_open_ = 0;
      in_message_ = false;
    } else if (id == "FTS") {
      if (file_open_ == 0) return malformed(where, "FTS (file trailer) without a file header (FHS)");
      file_open_ = 0;
      in_message_ = false;
    } else if (id == "MSH") {
      in_message_ = true;
    }
    return {};
  }

  Result<void> finish() {
    if (first_lf_line_ != 0) {
      if (auto r = warn_or_fail(Location::of_line(first_lf_line_),
                                fmt::format("segments end in {} instead of CR; read as CR", lf_kind_));
          !r) {
        return r;
      }
    }
    if (batch_open_ != 0) {
      if (auto r = warn_or_fail(Location::of_segment(batch_open_, "BHS"), "the batch has no trailer (BTS)"); !r)
        return r;
    }
    if (file_open_ != 0) {
      if (auto r = warn_or_fail(Location::of_segment(file_open_, "FHS"), "the file has no trailer (FTS)"); !r) return r;
    }
    return read_charset();
  }

  Result<void> read_charset() {
    const auto msh = m_.find("MSH");
    bool known = true;
    Charset declared = Charset::ascii;
    std::string_view msh18;
    if (msh) {
      msh18 = element(m_.field(*msh, 18), m_.delimiters_, 1, 0, 0);
      declared = charset_from_msh18(msh18, known);
      if (!known) {
        if (auto r = warn_or_fail(
                Location::of_segment(*msh + 1, "MSH", 18),
                fmt::format("character set '{}' is not supported; text is read as if undeclared", printable(msh18)));
            !r) {
          return r;
        }
      }
    }
    m_.charset_ = declared;
    if (!high_bytes_ || declared == Charset::latin1) return {};
    const auto where = Location::of_segment(msh ? *msh + 1 : 1, "MSH", 18);
    const bool utf8 = is_valid_utf8(m_.store_);
    if (declared == Charset::utf8) {
      if (utf8) return {};
      return warn_or_fail(where, "the message declares UTF-8 but holds bytes that are not UTF-8; they read as U+FFFD");
    }
    m_.charset_ = utf8 ? Charset::utf8 : Charset::windows1252;
    return warn_or_fail(where, fmt::format("non-ASCII bytes without a declared character set (MSH-18); read as {}",
                                           utf8 ? "UTF-8" : "Windows-1252"));
  }

  static Message::Span span(std::size_t offset, std::size_t length) {
    return Message::Span{static_cast<std::uint32_t>(offset), static_cast<std::uint32_t>(length)};
  }

  std::string_view in_;
  ParseOptions options_;
  Message m_;
  std::string_view header_encoding_;
  std::array<unsigned char, 256> classes_{};
  std::vector<std::size_t> seps_;
  std::string extra_;  // segments rebuilt after a raw line break; appended to the store at the end
  Message::Span current_text_;
  std::string current_id_;
  bool current_in_extra_ = false;
  bool high_bytes_ = false;
  std::size_t blank_lines_ = 0;
  std::size_t first_blank_line_ = 0;
  std::size_t first_lf_line_ = 0;
  std::string_view lf_kind_;
  std::size_t file_open_ = 0;   // segment index of an open FHS
  std::size_t batch_open_ = 0;  // segment index of an open BHS
  bool in_message_ = false;
  bool expect_message_ = false;
  std::string_view expect_message_after_;
};

Result<Message> parse(std::string_view bytes, const ParseOptions& options) { return Parser(bytes, options).run(); }

std::vector<Message> split_messages(const Message& batch) {
  std::vector<Message> out;
  for (const auto& r : batch.groups("MSH", {"BHS", "BTS", "FHS", "FTS"})) out.push_back(batch.slice(r.begin, r.end));
  return out;
}

}  // namespace radloop::hl7
