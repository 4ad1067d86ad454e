// One report record, whatever it arrived as (ORU^R01, DICOM SR, encapsulated PDF):
// who and what it is about, its status, and its text in headed sections, addenda kept apart.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace radloop::report {

enum class Status : std::uint8_t { preliminary, final_, corrected, cancelled, unknown };
// "P", "F", "C", "X" (HL7 table 0123 / OBX-11), "" for unknown.
std::string_view to_string(Status status);

struct Section {
  std::string heading;  // "Findings", "Impression", "Addendum" ... (as the sender named it)
  std::string text;     // lines joined with '\n', formatting commands removed
};

struct CodedFinding {
  std::string observation;  // what was coded, e.g. "Breast density"
  std::string code;
  std::string meaning;
  std::string system;
};

// A document kept as it came (an encapsulated PDF): no text is guessed from it.
struct Attachment {
  std::string mime_type;
  std::string title;
  std::string bytes;
  std::string digest;  // XXH3-128 of the bytes, lowercase hex
};

struct Report {
  Status status = Status::unknown;
  std::string patient_id;
  std::string issuer;        // assigning authority of the patient ID
  std::string patient_name;  // FAMILY^GIVEN
  std::string accession;
  std::string placer_order;
  std::string filler_order;
  std::string study_instance_uid;  // ZDS-1, when the sender carried it
  std::string procedure_code;
  std::string procedure_text;
  std::string modality;           // OBR-24
  std::string observation_time;   // OBR-7
  std::string status_time;        // OBR-22, when the status was set
  std::string interpreter;        // OBR-32
  std::string control_id;         // MSH-10 of the message it came in
  std::vector<Section> sections;  // in the order they first appear
  std::vector<Section> addenda;   // kept as their own version of the text
  std::vector<CodedFinding> coded;
  std::vector<std::string> abnormal_flags;  // OBX-8 values, each once
  bool critical = false;                    // a panic flag (AA, HH, LL) on any observation
  std::vector<Attachment> attachments;

  // The readable text: "FINDINGS:\n...\n\nIMPRESSION:\n...", addenda last.
  [[nodiscard]] std::string narrative() const;
};

// Removes HL7 formatted-text commands (\.sp\, \.in+4\, \.ce\, \H\, \N\ ...) that the codec keeps
// verbatim; \.sp\ becomes a blank line. `escape` is the message's escape character.
std::string plain_text(std::string_view text, char escape = '\\');

}  // namespace radloop::report
