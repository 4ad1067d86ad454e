// Worklist matching as pure functions, and the in-memory order source.
#include "reference/dicom/worklist.hpp"

#include <algorithm>

namespace radloop::dicom {
namespace {

// Bytes in the UTF-8 code point that starts at value[i]; a stray byte counts as one.
std::size_t code_point_length(std::string_view value, std::size_t i) {
  const auto lead = static_cast<unsigned char>(value[i]);
  std::size_t length = 1;
  if ((lead >> 5U) == 0x6U) length = 2;
  if ((lead >> 4U) == 0xEU) length = 3;
  if ((lead >> 3U) == 0x1EU) length = 4;
  return std::min(length, value.size() - i);
}

// A key with less precision than the value is compared over its own length only.
std::string_view head(std::string_view value, std::size_t length) { return value.substr(0, length); }

bool key_matches(const std::string& key, const std::string& value) { return key.empty() || wildcard_match(key, value); }

}  // namespace

std::optional<std::string> malformed_range(std::string_view name, std::string_view key) {
  const bool characters_ok =
      std::all_of(key.begin(), key.end(), [](char c) { return (c >= '0' && c <= '9') || c == '.' || c == '-'; });
  if (!characters_ok || std::count(key.begin(), key.end(), '-') > 1) {
    return std::string(name) + " \"" + std::string(key) + "\" is neither a value nor a range";
  }
  return std::nullopt;
}

bool wildcard_match(std::string_view pattern, std::string_view value) {
  std::size_t p = 0;
  std::size_t v = 0;
  std::size_t star = std::string_view::npos;  // the last '*' seen, to backtrack to
  std::size_t resume = 0;                     // where in value that '*' now ends
  while (v < value.size()) {
    if (p < pattern.size() && pattern[p] == '?') {
      ++p;
      v += code_point_length(value, v);
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      resume = v;
    } else if (p < pattern.size() && pattern[p] == value[v]) {
      ++p;
      ++v;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      resume += code_point_length(value, resume);
      v = resume;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

bool range_match(std::string_view key, std::string_view value) {
  if (key.empty()) return true;
  if (value.empty()) return false;
  const auto dash = key.find('-');
  if (dash == std::string_view::npos) return head(value, key.size()) == key;
  const auto lower = key.substr(0, dash);
  const auto upper = key.substr(dash + 1);
  return (lower.empty() || head(value, lower.size()) >= lower) && (upper.empty() || head(value, upper.size()) <= upper);
}

std::optional<std::string> malformed(const WorklistQuery& query) {
  if (auto why = malformed_range("ScheduledProcedureStepStartDate", query.start_date)) return why;
  return malformed_range("ScheduledProcedureStepStartTime", query.start_time);
}

// PS3.4 C.2.2.2.1 asks for exact, case-sensitive matching for every VR but PN, where it allows
// (and does not require) insensitivity to case; patient names here are matched case-sensitively
// too, byte for byte, so "doe*" does not find "DOE^JANE", as on the strictest worklist servers.
bool matches(const WorklistItem& item, const WorklistQuery& query) {
  return key_matches(query.patient_id, item.patient_id) &&
         key_matches(query.issuer_of_patient_id, item.issuer_of_patient_id) &&
         key_matches(query.patient_name, item.patient_name) &&
         key_matches(query.accession_number, item.accession_number) &&
         key_matches(query.requested_procedure_id, item.requested_procedure_id) &&
         key_matches(query.modality, item.step.modality) &&
         key_matches(query.station_ae_title, item.step.station_ae_title) &&
         range_match(query.start_date, item.step.start_date) && range_match(query.start_time, item.step.start_time);
}

std::vector<WorklistItem> InMemoryOrderSource::worklist() const {
  std::lock_guard lock(mutex_);
  return items_;
}

void InMemoryOrderSource::add(WorklistItem item) {
  std::lock_guard lock(mutex_);
  items_.push_back(std::move(item));
}

bool InMemoryOrderSource::remove(std::string_view accession_number) {
  std::lock_guard lock(mutex_);
  return std::erase_if(items_, [&](const WorklistItem& i) { return i.accession_number == accession_number; }) > 0;
}

bool InMemoryOrderSource::replace(WorklistItem item) {
  std::lock_guard lock(mutex_);
  auto found = std::find_if(items_.begin(), items_.end(),
                            [&](const WorklistItem& i) { return i.accession_number == item.accession_number; });
  if (found == items_.end()) {
    items_.push_back(std::move(item));
    return false;
  }
  *found = std::move(item);
  return true;
}

}  // namespace radloop::dicom
