// ORU^R01 to a report (see oru.hpp).
#include "reference/report/oru.hpp"

#include <algorithm>
#include <cctype>

#include "reference/hl7/segments.hpp"

namespace radloop::report {
namespace {

Status status_of(std::string_view code) {
  if (code == "P" || code == "R" || code == "S") return Status::preliminary;  // R, S: not yet verified
  if (code == "F") return Status::final_;
  if (code == "C") return Status::corrected;
  if (code == "X" || code == "D" || code == "W") return Status::cancelled;
  return Status::unknown;
}

bool is_addendum(const hl7::Coded& observation) {
  std::string text = observation.text;
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text.find("addend") != std::string::npos || observation.code.ends_with("&ADT") ||
         observation.code.ends_with("ADT");
}

// The heading an observation's text goes under: its OBX-3 text, else its code.
std::string heading_of(const hl7::Coded& observation) {
  return observation.text.empty() ? observation.code : observation.text;
}

void add_text(std::vector<Section>& sections, const std::string& heading, const std::string& text) {
  auto found = std::find_if(sections.begin(), sections.end(), [&](const Section& s) { return s.heading == heading; });
  if (found == sections.end()) {
    sections.push_back({heading, text});
  } else {
    found->text += '\n';
    found->text += text;
  }
}

}  // namespace

Result<Report> report_from_oru(const hl7::Message& message) {
  const auto type = hl7::message_type(message);
  if (type.code != "ORU") {
    return Error{Errc::invalid_config, "MSH-9", "a report comes in ORU^R01, not " + type.name()};
  }
  const auto obr = hl7::first<hl7::Obr>(message);
  if (!obr) return Error{Errc::hl7_required_missing, "OBR", "the ORU has no OBR: no order, no report"};
  Report r;
  if (const auto msh = hl7::first<hl7::Msh>(message)) r.control_id = msh->control_id();
  if (const auto pid = hl7::first<hl7::Pid>(message)) {
    const auto ids = pid->identifiers();
    if (!ids.empty()) {
      r.patient_id = ids.front().id;
      r.issuer = ids.front().authority;
    }
    const auto name = pid->name();
    r.patient_name = name.given.empty() ? name.family : name.family + "^" + name.given;
  }
  r.accession = obr->placer_field_1().empty() ? obr->filler_field_1() : obr->placer_field_1();
  r.placer_order = obr->placer_order_number().id;
  r.filler_order = obr->filler_order_number().id;
  const auto service = obr->universal_service();
  r.procedure_code = service.code;
  r.procedure_text = service.text;
  r.modality = obr->diagnostic_service_section();
  r.observation_time = obr->observation_date_time();
  r.status_time = obr->results_status_change();
  r.interpreter = obr->principal_interpreter();
  if (const auto zds = hl7::first<hl7::Zds>(message)) r.study_instance_uid = zds->study_instance_uid();

  const char escape = message.delimiters().escape;
  Status worst_obx = Status::unknown;
  for (const auto& obx : hl7::all<hl7::Obx>(message)) {
    const auto kind = obx.value_type();
    const auto observation = obx.observation();
    if (kind == "TX" || kind == "FT" || kind == "ST") {
      const auto text = plain_text(obx.text(), escape);
      add_text(is_addendum(observation) ? r.addenda : r.sections, heading_of(observation), text);
    } else if (kind == "CE" || kind == "CWE" || kind == "CNE") {
      const auto value = obx.values();
      // CE in OBX-5: code ^ text ^ system, read from the raw value's components.
      const std::string first = value.empty() ? std::string() : value.front();
      const auto c1 = first.find(message.delimiters().component);
      const auto c2 = c1 == std::string::npos ? c1 : first.find(message.delimiters().component, c1 + 1);
      CodedFinding coded{heading_of(observation), first.substr(0, c1), "", ""};
      if (c1 != std::string::npos) coded.meaning = first.substr(c1 + 1, c2 == std::string::npos ? c2 : c2 - c1 - 1);
      if (c2 != std::string::npos) coded.system = first.substr(c2 + 1);
      r.coded.push_back(std::move(coded));
    }
    for (const auto& flag : obx.abnormal_flags()) {
      if (flag.empty()) continue;
      if (std::find(r.abnormal_flags.begin(), r.abnormal_flags.end(), flag) == r.abnormal_flags.end()) {
        r.abnormal_flags.push_back(flag);
      }
      if (flag == "AA" || flag == "HH" || flag == "LL") r.critical = true;
    }
    const auto status = status_of(obx.result_status());
    if (status != Status::unknown) worst_obx = status;
  }
  if (r.sections.empty() && r.addenda.empty() && r.coded.empty()) {
    return Error{Errc::hl7_required_missing, "OBX", "the ORU carries no report text (no TX, FT, ST or coded OBX)"};
  }
  r.status = status_of(obr->result_status());
  if (r.status == Status::unknown) r.status = worst_obx;  // OBR-25 empty: the observations say
  return r;
}

}  // namespace radloop::report
