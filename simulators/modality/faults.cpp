// Fault names and values (see the header).
#include "simulators/modality/faults.hpp"

#include <array>
#include <cctype>
#include <charconv>
#include <utility>

namespace radloop::modality {
namespace {

constexpr std::array<std::pair<FaultKind, std::string_view>, 14> kNames{{
    {FaultKind::transpose_accession, "transpose_accession"},
    {FaultKind::blank_accession, "blank_accession"},
    {FaultKind::blank_patient_id, "blank_patient_id"},
    {FaultKind::other_patient_id, "other_patient_id"},
    {FaultKind::typed_demographics, "typed_demographics"},
    {FaultKind::unacceptable_transfer_syntax, "unacceptable_transfer_syntax"},
    {FaultKind::called_ae_wrong_case, "called_ae_wrong_case"},
    {FaultKind::unknown_calling_ae, "unknown_calling_ae"},
    {FaultKind::abort_after, "abort_after"},
    {FaultKind::resend, "resend"},
    {FaultKind::conflicting_resend, "conflicting_resend"},
    {FaultKind::slow_sender, "slow_sender"},
    {FaultKind::mpps_discontinued, "mpps_discontinued"},
    {FaultKind::no_mpps, "no_mpps"},
}};

bool is_count(std::string_view value) {
  unsigned long n = 0;
  const auto* end = value.data() + value.size();
  return !value.empty() && std::from_chars(value.data(), end, n).ptr == end;
}

}  // namespace

std::string_view to_string(FaultKind kind) {
  for (const auto& [k, name] : kNames) {
    if (k == kind) return name;
  }
  return "unknown";
}

std::vector<std::string_view> fault_names() {
  std::vector<std::string_view> names;
  for (const auto& entry : kNames) names.push_back(entry.second);
  return names;
}

Result<Fault> parse_fault(std::string_view text) {
  const auto equals = text.find('=');
  const auto name = text.substr(0, equals);
  const std::string value(equals == std::string_view::npos ? std::string_view() : text.substr(equals + 1));
  for (const auto& [kind, known] : kNames) {
    if (known != name) continue;
    const bool numeric = kind == FaultKind::abort_after || kind == FaultKind::slow_sender;
    if (numeric && !value.empty() && !is_count(value)) {
      return Error{Errc::invalid_config, std::string(text), "the value of " + std::string(name) + " is a whole number"};
    }
    return Fault{kind, value};
  }
  std::string names;
  for (const auto& n : fault_names()) names += (names.empty() ? "" : ", ") + std::string(n);
  return Error{Errc::invalid_config, std::string(text), "unknown fault \"" + std::string(name) + "\"; known: " + names};
}

std::string transpose_adjacent(const std::string& value) {
  std::string out = value;
  for (const bool digits_only : {true, false}) {
    for (std::size_t i = 0; i + 1 < out.size(); ++i) {
      const bool digits = std::isdigit(static_cast<unsigned char>(out[i])) != 0 &&
                          std::isdigit(static_cast<unsigned char>(out[i + 1])) != 0;
      if (out[i] != out[i + 1] && (digits || !digits_only)) {
        std::swap(out[i], out[i + 1]);
        return out;
      }
    }
  }
  return out;
}

}  // namespace radloop::modality
