// ACK construction and reading (HL7 v2 chapter 2, "Acknowledgment messages").
#include "reference/hl7/ack.hpp"

#include <fmt/format.h>

#include "reference/hl7/escape.hpp"
#include "reference/hl7/parser.hpp"
#include "reference/hl7/segments.hpp"

namespace radloop::hl7 {
namespace {

// 1-based occurrence of the segment at a 1-based position, among segments with its ID.
std::size_t occurrence(const Message& m, std::size_t position) {
  std::size_t n = 0;
  for (std::size_t i = 0; i < position && i < m.size(); ++i) {
    if (m.segment_id(i) == m.segment_id(position - 1)) ++n;
  }
  return n;
}

// Text for people (MSA-3, ERR-8) must reach the ACK even when the original's charset cannot hold
// every character of it (a quoted value, say): what it cannot hold becomes '?'. Returns ER7.
std::string encoded(const Message& ack, std::string_view text) {
  if (auto e = escape(text, ack.delimiters(), ack.charset())) return std::move(e.value());
  std::string folded;
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x80) {
      folded += ch;
    } else if ((c & 0xC0) != 0x80) {
      folded += '?';  // one '?' per character: skip its continuation bytes
    }
  }
  auto e = escape(folded, ack.delimiters(), ack.charset());
  return e ? std::move(e.value()) : std::string();
}

// ER7 parts joined with a separator, trailing empty parts left out (as set() would leave them).
std::string joined(const std::vector<std::string>& parts, char separator) {
  std::size_t kept = 0;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (!parts[i].empty()) kept = i + 1;
  }
  std::string out;
  for (std::size_t i = 0; i < kept; ++i) {
    if (i != 0) out += separator;
    out += parts[i];
  }
  return out;
}

// The ERR segment is composed whole and appended once: written component by component, every
// component cost a search for the segment and a copy of its field.
void add_err(Message& ack, const Message* original, const Issue& issue, bool before_v25) {
  const auto text = [&](std::string_view value) { return encoded(ack, value); };
  const auto number = [](std::size_t n) { return n == 0 ? std::string() : std::to_string(n); };
  const auto& w = issue.where;
  const auto occ = (original != nullptr && w.segment != 0) ? occurrence(*original, w.segment) : 0;
  const auto code = std::to_string(issue.code);
  const auto& d = ack.delimiters();
  if (before_v25) {
    // ERR-1 ELD: segment ID ^ sequence ^ field position ^ code (CE in sub-components).
    // Without a sub-component separator (a three-character MSH-2) the CE shrinks to its code.
    const auto ce = d.subcomponent == '\0'
                        ? code
                        : joined({code, text(error_condition_text(issue.code)), "HL70357"}, d.subcomponent);
    (void)ack.append_segment("ERR", {joined({text(w.segment_id), number(occ), number(w.field), ce}, d.component)});
    return;
  }
  const auto repetition = w.field != 0 ? number(w.repetition == 0 ? 1 : w.repetition) : std::string();
  // Every text went through escape(): none holds a separator, so the append cannot fail.
  (void)ack.append_segment(
      "ERR", {
                 "",
                 // ERR-2 ERL: segment ID ^ sequence ^ field ^ repetition ^ component ^ sub-component.
                 joined({text(w.segment_id), number(occ), number(w.field), repetition, number(w.component),
                         number(w.subcomponent)},
                        d.component),
                 joined({code, text(error_condition_text(issue.code)), "HL70357"}, d.component),  // ERR-3 CWE
                 std::string(1, to_char(issue.severity)),                                         // ERR-4
                 "", "", "",
                 text(issue.text),  // ERR-8 user message
             });
}

void fill_header(Message& ack, const AckOptions& options, std::string_view trigger, std::string_view processing_id,
                 std::string_view version) {
  (void)ack.set("MSH-7", options.timestamp);
  (void)ack.set("MSH-9.1", "ACK");
  if (!trigger.empty()) (void)ack.set("MSH-9.2", trigger);
  (void)ack.set("MSH-9.3", "ACK");
  (void)ack.set("MSH-10", options.control_id);
  (void)ack.set("MSH-11", processing_id.empty() ? "P" : processing_id);
  (void)ack.set("MSH-12", version.empty() ? "2.5.1" : version);
}

}  // namespace

std::string_view to_string(AckCode code) {
  switch (code) {
    case AckCode::AA: return "AA";
    case AckCode::AE: return "AE";
    case AckCode::AR: return "AR";
    case AckCode::CA: return "CA";
    case AckCode::CE: return "CE";
    case AckCode::CR: return "CR";
  }
  return "AE";
}

bool enhanced_mode(const Message& original) {
  const auto msh = first<Msh>(original);
  return msh && (!msh->accept_ack_type().empty() || !msh->application_ack_type().empty());
}

AckCode ack_code(const Message& original, Outcome outcome) {
  const bool enhanced = enhanced_mode(original);
  switch (outcome) {
    case Outcome::accepted: return enhanced ? AckCode::CA : AckCode::AA;
    case Outcome::error: return enhanced ? AckCode::CE : AckCode::AE;
    case Outcome::rejected: return enhanced ? AckCode::CR : AckCode::AR;
  }
  return AckCode::AE;
}

Message build_ack(const Message& original, Outcome outcome, const std::vector<Issue>& issues,
                  const AckOptions& options) {
  Message ack = Message::with_header(original.delimiters());
  const auto msh = first<Msh>(original);
  if (msh) {
    // Raw copies: these are already encoded in the original's delimiters and charset.
    (void)ack.set_raw("MSH-18", original.field(msh->index(), 18));
    (void)ack.set_raw("MSH-3", original.field(msh->index(), 5));
    (void)ack.set_raw("MSH-4", original.field(msh->index(), 6));
    (void)ack.set_raw("MSH-5", original.field(msh->index(), 3));
    (void)ack.set_raw("MSH-6", original.field(msh->index(), 4));
  }
  fill_header(ack, options, msh ? msh->trigger_event() : "", msh ? msh->processing_id() : "",
              msh ? msh->version() : "");
  ack.append_segment("MSA");
  (void)ack.set("MSA-1", to_string(ack_code(original, outcome)));
  if (msh) (void)ack.set_raw("MSA-2", original.field(msh->index(), 10));
  std::string text = options.text;
  for (const auto& i : issues) {
    if (text.empty() && i.severity == Severity::error) text = i.text;
  }
  if (!text.empty())
    (void)ack.set_raw(Path{"MSA", 1, 3, 0, 0, 0}, encoded(ack, text.substr(0, 80)));  // MSA-3 is ST(80)
  const bool before_v25 = msh && version_number(msh->version()) != 0 && version_number(msh->version()) < 205;
  // One ERR per issue, up to a bound: a message broken in thousands of places would otherwise get
  // (and cost us) an ACK of thousands of segments, each written into the message in turn. The
  // last ERR then says how many were left out.
  const auto listed = std::min(issues.size(), kMaxErrSegments);
  for (std::size_t n = 0; n < listed; ++n) add_err(ack, &original, issues[n], before_v25);
  if (issues.size() > listed) {
    add_err(ack, &original,
            Issue{Severity::information, Location{}, 207,
                  std::to_string(issues.size() - listed) + " more issues are not listed"},
            before_v25);
  }
  return ack;
}

Message build_reject(const Error& why, const AckOptions& options, std::string_view control_id) {
  Message ack = Message::with_header();
  (void)ack.set("MSH-3", "RADLOOP");
  fill_header(ack, options, "", "P", "2.5.1");
  ack.append_segment("MSA");
  (void)ack.set("MSA-1", "AR");
  if (!control_id.empty()) (void)ack.set("MSA-2", control_id);
  (void)ack.set_raw(Path{"MSA", 1, 3, 0, 0, 0}, encoded(ack, why.message().substr(0, 80)));
  add_err(ack, nullptr, to_issue(why), false);
  return ack;
}

Issue to_issue(const Error& error) {
  return Issue{Severity::error, Location{}, info(error.code).hl7_0357, error.message()};
}

Result<AckSummary> read_ack(std::string_view er7) {
  auto parsed = parse(er7);
  if (!parsed) return parsed.error();
  const auto& m = parsed.value();
  const auto msa = first<Msa>(m);
  if (!msa || msa->code().empty()) {
    return Error{Errc::hl7_required_missing, "MSA-1", "the reply has no MSA segment with an acknowledgement code"};
  }
  AckSummary summary{msa->code(), msa->control_id(), msa->text(), {}};
  for (const auto& err : all<Err>(m)) {
    auto code = err.error_code().code;
    if (code.empty()) code = err.value(1, 4, 1);
    summary.error_codes.push_back(code);
    if (summary.text.empty()) summary.text = err.user_message();
  }
  return summary;
}

std::optional<std::string> not_an_answer_to(const AckSummary& ack, std::string_view control_id) {
  if (control_id.empty() || ack.acknowledged_id == control_id) return std::nullopt;
  if (ack.acknowledged_id.empty()) {
    return "the ACK (" + ack.code + ") has an empty MSA-2: it acknowledges no message, not " + std::string(control_id);
  }
  return "the ACK (" + ack.code + ") acknowledges " + ack.acknowledged_id + " in MSA-2, not " +
         std::string(control_id) + ": it is no answer to this message";
}

}  // namespace radloop::hl7
