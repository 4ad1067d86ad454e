// Report record <-> JSON (see report_json.hpp).
#include "reference/report/report_json.hpp"

#include "reference/core/base64.hpp"

namespace radloop::report {
namespace {

using json = nlohmann::json;

Status status_from(const std::string& code) {
  for (auto s : {Status::preliminary, Status::final_, Status::corrected, Status::cancelled}) {
    if (to_string(s) == code) return s;
  }
  return Status::unknown;
}

json sections_json(const std::vector<Section>& sections) {
  json out = json::array();
  for (const auto& s : sections) out.push_back({{"heading", s.heading}, {"text", s.text}});
  return out;
}

std::vector<Section> sections_from(const json& j) {
  std::vector<Section> out;
  for (const auto& s : j) out.push_back({s.value("heading", ""), s.value("text", "")});
  return out;
}

}  // namespace

json to_json(const Report& r) {
  json coded = json::array();
  for (const auto& c : r.coded) {
    coded.push_back({{"observation", c.observation}, {"code", c.code}, {"meaning", c.meaning}, {"system", c.system}});
  }
  json attachments = json::array();
  for (const auto& a : r.attachments) {
    attachments.push_back(
        {{"mime_type", a.mime_type}, {"title", a.title}, {"digest", a.digest}, {"data", base64_encode(a.bytes)}});
  }
  return {{"status", std::string(to_string(r.status))},
          {"patient_id", r.patient_id},
          {"issuer", r.issuer},
          {"patient_name", r.patient_name},
          {"accession", r.accession},
          {"placer_order", r.placer_order},
          {"filler_order", r.filler_order},
          {"study_instance_uid", r.study_instance_uid},
          {"procedure_code", r.procedure_code},
          {"procedure_text", r.procedure_text},
          {"modality", r.modality},
          {"observation_time", r.observation_time},
          {"status_time", r.status_time},
          {"interpreter", r.interpreter},
          {"control_id", r.control_id},
          {"sections", sections_json(r.sections)},
          {"addenda", sections_json(r.addenda)},
          {"coded", coded},
          {"abnormal_flags", r.abnormal_flags},
          {"critical", r.critical},
          {"attachments", attachments}};
}

Result<Report> report_from_json(const json& j) {
  try {
    Report r;
    r.status = status_from(j.value("status", ""));
    r.patient_id = j.value("patient_id", "");
    r.issuer = j.value("issuer", "");
    r.patient_name = j.value("patient_name", "");
    r.accession = j.value("accession", "");
    r.placer_order = j.value("placer_order", "");
    r.filler_order = j.value("filler_order", "");
    r.study_instance_uid = j.value("study_instance_uid", "");
    r.procedure_code = j.value("procedure_code", "");
    r.procedure_text = j.value("procedure_text", "");
    r.modality = j.value("modality", "");
    r.observation_time = j.value("observation_time", "");
    r.status_time = j.value("status_time", "");
    r.interpreter = j.value("interpreter", "");
    r.control_id = j.value("control_id", "");
    r.sections = sections_from(j.value("sections", json::array()));
    r.addenda = sections_from(j.value("addenda", json::array()));
    for (const auto& c : j.value("coded", json::array())) {
      r.coded.push_back(
          {c.value("observation", ""), c.value("code", ""), c.value("meaning", ""), c.value("system", "")});
    }
    r.abnormal_flags = j.value("abnormal_flags", std::vector<std::string>{});
    r.critical = j.value("critical", false);
    for (const auto& a : j.value("attachments", json::array())) {
      auto bytes = base64_decode(a.value("data", ""));
      if (!bytes) return Error{Errc::invalid_input, "report attachment", bytes.error().detail};
      r.attachments.push_back(
          {a.value("mime_type", ""), a.value("title", ""), std::move(bytes).value(), a.value("digest", "")});
    }
    return r;
  } catch (const json::exception& e) {
    return Error{Errc::invalid_input, "report JSON", e.what()};
  }
}

std::string dump(const Report& report) { return to_json(report).dump(-1, ' ', false, json::error_handler_t::replace); }

Result<Report> parse_report(const std::string& text) {
  auto parsed = json::parse(text, nullptr, false);
  if (parsed.is_discarded()) return Error{Errc::invalid_input, "report JSON", "not JSON"};
  return report_from_json(parsed);
}

}  // namespace radloop::report
