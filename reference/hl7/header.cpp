// Reading MSH fields and writing original-mode ACKs without the full codec.
#include "reference/hl7/header.hpp"

#include <fmt/format.h>

#include <vector>

namespace radloop::hl7 {
namespace {

// Accepts \r, \n and \r\n as segment terminators.
std::string_view first_segment(std::string_view er7) {
  const auto end = er7.find_first_of("\r\n");
  return end == std::string_view::npos ? er7 : er7.substr(0, end);
}

std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (true) {
    const auto pos = text.find(separator, start);
    if (pos == std::string_view::npos) {
      parts.push_back(text.substr(start));
      return parts;
    }
    parts.push_back(text.substr(start, pos - start));
    start = pos + 1;
  }
}

// Field n of MSH in HL7 numbering: MSH-1 is the separator itself, so MSH-n is parts[n-1].
std::string field(const std::vector<std::string_view>& parts, std::size_t n) {
  return n - 1 < parts.size() ? std::string(parts[n - 1]) : std::string();
}

// Finds a segment by ID and returns its fields split on the separator.
std::vector<std::string_view> find_segment(std::string_view er7, std::string_view id, char separator) {
  std::size_t pos = 0;
  while (pos < er7.size()) {
    auto end = er7.find_first_of("\r\n", pos);
    if (end == std::string_view::npos) end = er7.size();
    const auto segment = er7.substr(pos, end - pos);
    if (segment.size() > id.size() && segment.substr(0, id.size()) == id && segment[id.size()] == separator) {
      return split(segment, separator);
    }
    pos = end + 1;
  }
  return {};
}

// Values placed into an ACK must not break its structure: drop separators and line breaks.
std::string sanitize(std::string_view text, const MessageHeader& h) {
  std::string out;
  for (char c : text) {
    if (c == h.field_separator || h.encoding_characters.find(c) != std::string::npos || c == '\r' || c == '\n') {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

Result<MessageHeader> parse_header(std::string_view er7) {
  const auto msh = first_segment(er7);
  if (msh.size() < 8 || msh.substr(0, 3) != "MSH") {
    return Error{Errc::hl7_not_a_message, "segment 1", fmt::format("starts with \"{}\"", msh.substr(0, 8))};
  }
  MessageHeader h;
  h.field_separator = msh[3];
  // MSH-2 runs to the next field separator; component, repetition, escape, subcomponent.
  const auto msh2_end = msh.find(h.field_separator, 4);
  h.encoding_characters =
      std::string(msh.substr(4, msh2_end == std::string_view::npos ? std::string_view::npos : msh2_end - 4));
  if (h.encoding_characters.empty() || h.encoding_characters.find(h.field_separator) != std::string::npos) {
    return Error{Errc::hl7_bad_encoding_chars, "MSH-2", fmt::format("\"{}\"", h.encoding_characters)};
  }
  // parts[0] = "MSH", parts[1] = MSH-2, parts[n-1] = MSH-n.
  const auto parts = split(msh, h.field_separator);
  h.sending_application = field(parts, 3);
  h.sending_facility = field(parts, 4);
  h.receiving_application = field(parts, 5);
  h.receiving_facility = field(parts, 6);
  const auto msh9 = field(parts, 9);
  const auto type = split(msh9, h.component_separator());
  h.message_type = std::string(type.at(0));
  h.trigger_event = type.size() > 1 ? std::string(type[1]) : std::string();
  h.control_id = field(parts, 10);
  h.processing_id = field(parts, 11);
  h.version = field(parts, 12);
  if (h.message_type.empty()) return Error{Errc::hl7_required_missing, "MSH-9", "message type is empty"};
  if (h.control_id.empty()) return Error{Errc::hl7_required_missing, "MSH-10", "message control ID is empty"};
  return h;
}

std::string_view to_string(AckCode code) {
  switch (code) {
    case AckCode::AA: return "AA";
    case AckCode::AE: return "AE";
    case AckCode::AR: return "AR";
  }
  return "AE";
}

std::string build_ack(const MessageHeader& original, const AckRequest& ack) {
  const std::string f(1, original.field_separator);
  const std::string c(1, original.component_separator());
  // MSH-3..6 swap sender and receiver; MSH-9 is ACK^<trigger>^ACK.
  std::string out = fmt::format(
      "MSH{f}{enc}{f}{ra}{f}{rf}{f}{sa}{f}{sf}{f}{ts}{f}{f}ACK{c}{tr}{c}ACK{f}{id}{f}{pid}{f}{ver}\r", fmt::arg("f", f),
      fmt::arg("c", c), fmt::arg("enc", original.encoding_characters), fmt::arg("ra", original.receiving_application),
      fmt::arg("rf", original.receiving_facility), fmt::arg("sa", original.sending_application),
      fmt::arg("sf", original.sending_facility), fmt::arg("ts", ack.timestamp), fmt::arg("tr", original.trigger_event),
      fmt::arg("id", ack.control_id), fmt::arg("pid", original.processing_id.empty() ? "P" : original.processing_id),
      fmt::arg("ver", original.version.empty() ? "2.5.1" : original.version));
  out += fmt::format("MSA{}{}{}{}", f, to_string(ack.code), f, original.control_id);
  if (ack.error) {
    const auto& e = *ack.error;
    const auto text = sanitize(e.message(), original);
    // MSA-3 text; ERR-2 location, ERR-3 code^^HL70357, ERR-4 severity E, ERR-8 user message.
    out += fmt::format("{f}{text}\rERR{f}{f}{where}{f}{code}{c}{c}HL70357{f}E{f}{f}{f}{f}{text}", fmt::arg("f", f),
                       fmt::arg("c", c), fmt::arg("text", text), fmt::arg("where", sanitize(e.where, original)),
                       fmt::arg("code", info(e.code).hl7_0357));
  }
  out += '\r';
  return out;
}

std::string build_reject(const Error& why, std::string_view control_id, std::string_view timestamp) {
  MessageHeader unknown;
  unknown.sending_application = "UNKNOWN";
  return build_ack(unknown, AckRequest{AckCode::AR, std::string(control_id), std::string(timestamp), why});
}

Result<AckSummary> read_ack(std::string_view er7) {
  auto header = parse_header(er7);
  if (!header) return header.error();
  const auto msa = find_segment(er7, "MSA", header->field_separator);
  if (msa.size() < 2 || msa[1].empty()) return Error{Errc::hl7_required_missing, "MSA-1", "the reply has no MSA-1"};
  AckSummary summary;
  summary.code = std::string(msa[1]);
  summary.acknowledged_id = msa.size() > 2 ? std::string(msa[2]) : std::string();
  summary.text = msa.size() > 3 ? std::string(msa[3]) : std::string();
  return summary;
}

}  // namespace radloop::hl7
