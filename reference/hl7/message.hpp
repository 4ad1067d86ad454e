// An HL7 v2 message (or batch) as ER7: segments of fields, kept as their exact bytes so that
// a message already in canonical form serializes back byte for byte. Repetitions, components
// and sub-components are split on access; values are decoded (escapes, charset) on access.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "reference/core/result.hpp"
#include "reference/hl7/encoding.hpp"
#include "reference/hl7/path.hpp"

namespace radloop::hl7 {

struct Warning {
  Location where;
  std::string text;
};

// A run of segments [begin, end) (0-based indexes), e.g. one OBR with its OBX and NTE.
struct SegmentRange {
  std::size_t begin = 0;
  std::size_t end = 0;
};

class Message {
 public:
  Message() = default;
  // A message holding one MSH with MSH-1/MSH-2 from `delimiters`; fill the rest with set().
  static Message with_header(const Delimiters& delimiters = {}, std::string_view header_id = "MSH");

  [[nodiscard]] const Delimiters& delimiters() const { return delimiters_; }
  // The charset values are read in: MSH-18, or the best reading of undeclared bytes.
  [[nodiscard]] Charset charset() const { return charset_; }
  [[nodiscard]] const std::vector<Warning>& warnings() const { return warnings_; }

  // Segments, 0-based. Field 0 is the segment ID; for MSH/FHS/BHS field 1 is the field
  // separator and field 2 the encoding characters, as HL7 numbers them.
  [[nodiscard]] std::size_t size() const { return segments_.size(); }
  [[nodiscard]] std::string_view segment_id(std::size_t segment) const { return field(segment, 0); }
  // The highest field number present (trailing empty fields included, as sent).
  [[nodiscard]] std::size_t field_count(std::size_t segment) const { return segments_.at(segment).count - 1; }
  // Raw ER7 text of a field; empty when absent.
  [[nodiscard]] std::string_view field(std::size_t segment, std::size_t field) const;
  // Index of the n-th (1-based) segment with this ID.
  [[nodiscard]] std::optional<std::size_t> find(std::string_view id, std::size_t occurrence = 1) const;
  [[nodiscard]] std::vector<std::size_t> find_all(std::string_view id) const;

  // Runs that start at each `anchor` segment and extend to the next anchor or to a segment in
  // `stop_at` (e.g. anchor "OBR", stop at "ORC" and "PID" for an ORU observation group).
  [[nodiscard]] std::vector<SegmentRange> groups(std::string_view anchor,
                                                 const std::vector<std::string_view>& stop_at = {}) const;

  // The value at a path, decoded to UTF-8; empty when absent; the two characters "" for an
  // explicit HL7 null. A composite keeps its inner separators.
  [[nodiscard]] Result<std::string> get(std::string_view path) const;
  [[nodiscard]] std::string get(const Path& path) const;
  // The same element as raw ER7 text.
  [[nodiscard]] Result<std::string> raw(std::string_view path) const;
  [[nodiscard]] std::string_view raw(const Path& path) const;
  // Decoded value at a position in a known segment (0-based segment, 1-based below).
  [[nodiscard]] std::string value(std::size_t segment, std::size_t field, std::size_t repetition = 1,
                                  std::size_t component = 0, std::size_t subcomponent = 0) const;
  [[nodiscard]] std::size_t repetition_count(std::size_t segment, std::size_t field) const;
  [[nodiscard]] bool is_null(std::string_view path) const;

  // Writes a value (escaped, converted to the charset). Missing fields, repetitions and
  // components are created; a path to the next occurrence of a segment appends that segment.
  Result<void> set(std::string_view path, std::string_view value);
  Result<void> set(const Path& path, std::string_view value);
  // Writes ER7 text as it is (separators in it keep their meaning).
  Result<void> set_raw(std::string_view path, std::string_view er7);
  Result<void> set_raw(const Path& path, std::string_view er7);
  Result<void> set_null(std::string_view path) { return set_raw(path, "\"\""); }

  // A copy of segments [begin, end) as a message of its own (same delimiters and charset).
  [[nodiscard]] Message slice(std::size_t begin, std::size_t end) const;

  // Appends an empty segment and returns its index. `id` is a segment ID (is_segment_id).
  std::size_t append_segment(std::string_view id);
  // Appends a segment holding these ER7 field texts as they are, the first one being field 1 (for
  // MSH and the other headers, field 3: fields 1 and 2 are the delimiters). Trailing empty fields
  // are left out. One call instead of a set() per field, for segments built whole (ACK's ERR).
  // As set_raw: a text holding a field separator or a line break is refused, and nothing added.
  Result<std::size_t> append_segment(std::string_view id, const std::vector<std::string>& fields);
  std::size_t insert_segment(std::size_t before, std::string_view id);
  void remove_segment(std::size_t segment);  // no-op past the end

  // ER7 with CR after every segment (as parsed: a message read without a final CR is written
  // back without one).
  [[nodiscard]] std::string serialize() const;
  // Same segments with the same field texts and delimiters.
  bool operator==(const Message& other) const;

 private:
  friend class Parser;
  struct Span {
    std::uint32_t offset = 0;
    std::uint32_t length = 0;
  };
  struct SegmentSlot {
    std::uint32_t first = 0;  // index of field 0 in fields_
    std::uint32_t count = 0;  // fields including field 0
  };

  [[nodiscard]] bool is_header(std::size_t segment) const;
  [[nodiscard]] std::optional<std::size_t> resolve_segment(const Path& path) const;
  [[nodiscard]] std::string_view raw_at(std::size_t segment, std::size_t field, std::size_t repetition,
                                        std::size_t component, std::size_t subcomponent) const;
  [[nodiscard]] std::string decoded_at(std::size_t segment, std::size_t field, std::size_t repetition,
                                       std::size_t component, std::size_t subcomponent) const;
  Span keep(std::string_view text);
  void set_field_text(std::size_t segment, std::size_t field, std::string_view er7);
  Result<void> write(const Path& path, std::string_view er7);
  void refresh_charset();

  Delimiters delimiters_;
  Charset charset_ = Charset::ascii;
  std::string store_;         // every byte of every field; edits append here
  std::vector<Span> fields_;  // segments' fields, each segment contiguous
  std::vector<SegmentSlot> segments_;
  std::vector<Warning> warnings_;
  bool final_terminator_ = true;
};

// Splits a field into the element at (repetition, component, subcomponent); 0 = all of that
// level. MSH-1/MSH-2 are never split: callers pass them whole.
std::string_view element(std::string_view field, const Delimiters& d, std::size_t repetition, std::size_t component,
                         std::size_t subcomponent);

}  // namespace radloop::hl7
