// Modality Worklist: the scheduled orders a modality queries (C-FIND), as plain records, and the
// PS3.4 K.6.1.2 / C.2.2.2 matching rules as pure functions. No DCMTK type crosses this header.
#pragma once

#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace radloop::dicom {

struct ProcedureCode {
  std::string value;    // (0008,0100) Code Value
  std::string scheme;   // (0008,0102) Coding Scheme Designator
  std::string meaning;  // (0008,0104) Code Meaning
};

// One item of the Scheduled Procedure Step Sequence (0040,0100).
struct ScheduledStep {
  std::string station_ae_title;      // (0040,0001)
  std::string modality;              // (0008,0060)
  std::string start_date;            // (0040,0002) YYYYMMDD
  std::string start_time;            // (0040,0003) HHMMSS[.FFFFFF]
  std::string step_id;               // (0040,0009)
  std::string description;           // (0040,0007)
  std::string performing_physician;  // (0040,0006) PN
  std::string station_name;          // (0040,0010)
  std::string location;              // (0040,0011)
};

// Values are UTF-8 (the server answers in ISO_IR 192 when one is not ASCII).
struct WorklistItem {
  std::string patient_id;                       // (0010,0020)
  std::string issuer_of_patient_id;             // (0010,0021)
  std::string patient_name;                     // (0010,0010) PN, "FAMILY^GIVEN"
  std::string patient_birth_date;               // (0010,0030)
  std::string patient_sex;                      // (0010,0040)
  std::string accession_number;                 // (0008,0050)
  std::string requested_procedure_id;           // (0040,1001)
  std::string requested_procedure_description;  // (0032,1060)
  ProcedureCode requested_procedure_code;       // (0032,1064) one item
  std::string study_instance_uid;               // (0020,000D)
  std::string referring_physician;              // (0008,0090) PN
  ScheduledStep step;
};

// The matching keys of a worklist C-FIND; an empty key matches every value (universal matching).
struct WorklistQuery {
  std::string patient_id;              // single value or wildcards
  std::string issuer_of_patient_id;    // single value or wildcards
  std::string patient_name;            // wildcards * and ?
  std::string accession_number;        // single value or wildcards
  std::string requested_procedure_id;  // single value or wildcards
  std::string modality;                // in the scheduled step; single value or wildcards
  std::string station_ae_title;        // in the scheduled step; single value or wildcards
  std::string start_date;              // in the scheduled step; "D", "A-B", "A-" or "-B"
  std::string start_time;              // in the scheduled step; "T", "A-B", "A-" or "-B"
};

// Why a query cannot be evaluated (a range with two dashes, a date with letters), or nothing.
std::optional<std::string> malformed(const WorklistQuery& query);

bool matches(const WorklistItem& item, const WorklistQuery& query);

// Why a DA or TM key is neither a value nor a range (letters, two dashes), or nothing; `name`
// names the attribute in the sentence.
std::optional<std::string> malformed_range(std::string_view name, std::string_view key);

// Wildcard matching (PS3.4 C.2.2.2.4): '*' any run of characters, '?' one character (one UTF-8
// code point). Without wildcards it is single value matching. Byte for byte, so case-sensitive.
bool wildcard_match(std::string_view pattern, std::string_view value);

// Single value or range matching (PS3.4 C.2.2.2.5) for DA and TM values. A bound given with less
// precision covers its whole interval: "-1200" matches 12:00:59, "0800" matches 08:00:30.
bool range_match(std::string_view key, std::string_view value);

// Where the orders come from. Called once per C-FIND on a service thread; must be thread-safe.
class OrderSource {
 public:
  virtual ~OrderSource() = default;
  [[nodiscard]] virtual std::vector<WorklistItem> worklist() const = 0;
};

// Orders held in memory, keyed by accession number; safe to change while queries run.
class InMemoryOrderSource final : public OrderSource {
 public:
  InMemoryOrderSource() = default;
  explicit InMemoryOrderSource(std::vector<WorklistItem> items) : items_(std::move(items)) {}

  [[nodiscard]] std::vector<WorklistItem> worklist() const override;
  void add(WorklistItem item);
  // Returns whether an item with that accession number was there.
  bool remove(std::string_view accession_number);
  // Replaces the item with the same accession number, or adds it; returns whether one was replaced.
  bool replace(WorklistItem item);

 private:
  mutable std::mutex mutex_;
  std::vector<WorklistItem> items_;
};

}  // namespace radloop::dicom
