// The R4 mappings (see resources.hpp). Codes: HL7 v2-0203 for identifier types, DICOM (DCM) for
// modalities, urn:ietf:rfc:3986 with urn:oid: for DICOM UIDs, LOINC for the report's code.
#include "reference/fhir/resources.hpp"

#include "reference/core/base64.hpp"

#include <algorithm>
#include <map>
#include <string_view>

namespace radloop::fhir {
namespace {

using json = nlohmann::json;

constexpr const char* kIdentifierType = "http://terminology.hl7.org/CodeSystem/v2-0203";
constexpr const char* kDicomCodes = "http://dicom.nema.org/resources/ontology/DCM";

std::vector<std::string> split(const std::string& value, char separator) {
  std::vector<std::string> parts;
  std::string part;
  for (char c : value) {
    if (c == separator) {
      parts.push_back(part);
      part.clear();
    } else {
      part += c;
    }
  }
  parts.push_back(part);
  return parts;
}

json reference_to(const std::string& type, const std::string& id) { return {{"reference", type + "/" + id}}; }

json typed_identifier(const char* code, const char* display, const std::string& system, const std::string& value) {
  return {{"type", {{"coding", json::array({{{"system", kIdentifierType}, {"code", code}, {"display", display}}})}}},
          {"system", system},
          {"value", value}};
}

std::string gender(const std::string& sex) {
  if (sex == "M") return "male";
  if (sex == "F") return "female";
  if (sex == "O") return "other";
  return "unknown";
}

int number_or(const std::string& text, int fallback) {
  try {
    return text.empty() ? fallback : std::stoi(text);
  } catch (const std::exception&) {
    return fallback;
  }
}

}  // namespace

std::string fhir_date_time(const std::string& dicom_or_hl7) {
  const std::string& v = dicom_or_hl7;
  const bool digits = std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (!digits || v.size() < 8) return {};
  std::string out = v.substr(0, 4) + "-" + v.substr(4, 2) + "-" + v.substr(6, 2);
  if (v.size() >= 12) {
    out += "T" + v.substr(8, 2) + ":" + v.substr(10, 2) + ":" + (v.size() >= 14 ? v.substr(12, 2) : "00");
  }
  return out;
}

json patient(const PatientFacts& facts, const std::string& id) {
  json p{{"resourceType", "Patient"}, {"id", id}};
  json identifier = typed_identifier("MR", "Medical record number", "urn:radloop:mrn:" + facts.issuer, facts.id);
  identifier["assigner"] = {{"display", facts.issuer}};
  p["identifier"] = json::array({identifier});
  const auto parts = split(facts.name, '^');
  json name{{"family", parts[0]}};
  json given = json::array();
  for (std::size_t i = 1; i < parts.size() && i < 3; ++i) {
    if (!parts[i].empty()) given.push_back(parts[i]);
  }
  if (!given.empty()) name["given"] = given;
  p["name"] = json::array({name});
  p["gender"] = gender(facts.sex);
  if (const auto born = fhir_date_time(facts.birth_date); !born.empty()) p["birthDate"] = born.substr(0, 10);
  return p;
}

json service_request(const OrderFacts& order, const std::string& id, const std::string& patient_id) {
  // R4 request-status; HL7 order statuses have no draft, and DC (discontinued) is revoked.
  static const std::map<std::string, std::string> status{{"NW", "active"},    {"SC", "active"},  {"IP", "active"},
                                                         {"CM", "completed"}, {"CA", "revoked"}, {"DC", "revoked"}};
  const auto found = status.find(order.status);
  json r{{"resourceType", "ServiceRequest"},
         {"id", id},
         {"status", found == status.end() ? "unknown" : found->second},
         {"intent", "order"},
         {"subject", reference_to("Patient", patient_id)}};
  json identifiers = json::array();
  if (!order.placer_number.empty()) {
    identifiers.push_back(typed_identifier("PLAC", "Placer Identifier", "urn:radloop:placer", order.placer_number));
  }
  if (!order.filler_number.empty()) {
    identifiers.push_back(typed_identifier("FILL", "Filler Identifier", "urn:radloop:filler", order.filler_number));
  }
  if (!order.accession.empty()) {
    identifiers.push_back(typed_identifier("ACSN", "Accession ID", "urn:radloop:accession", order.accession));
  }
  r["identifier"] = identifiers;
  json code{{"text", order.procedure_text}};
  if (!order.procedure_code.empty()) {
    code["coding"] = json::array({{{"system", "urn:radloop:procedure:" + order.procedure_system},
                                   {"code", order.procedure_code},
                                   {"display", order.procedure_text}}});
  }
  r["code"] = code;
  if (const auto when = fhir_date_time(order.scheduled); !when.empty()) r["occurrenceDateTime"] = when;
  return r;
}

json imaging_study(const std::vector<dicom::InstanceRecord>& instances, const std::string& id,
                   const std::string& patient_id, const std::string& service_request_id) {
  json s{{"resourceType", "ImagingStudy"},
         {"id", id},
         {"status", "available"},
         {"subject", reference_to("Patient", patient_id)}};
  if (instances.empty()) {
    s["status"] = "registered";  // announced, nothing received yet
    return s;
  }
  const auto& first = instances.front();
  s["identifier"] = json::array({{{"system", "urn:dicom:uid"}, {"value", "urn:oid:" + first.study_instance_uid}}});
  if (!first.accession_number.empty()) {
    s["identifier"].push_back(
        typed_identifier("ACSN", "Accession ID", "urn:radloop:accession", first.accession_number));
  }
  if (!service_request_id.empty()) s["basedOn"] = json::array({reference_to("ServiceRequest", service_request_id)});
  if (const auto started = fhir_date_time(first.study_date + first.study_time); !started.empty()) {
    s["started"] = started;
  }
  if (!first.study_description.empty()) s["description"] = first.study_description;

  std::map<std::string, std::vector<const dicom::InstanceRecord*>> by_series;
  for (const auto& i : instances) by_series[i.series_instance_uid].push_back(&i);
  std::vector<std::string> modalities;
  json series = json::array();
  for (auto& [uid, members] : by_series) {
    std::sort(members.begin(), members.end(), [](const auto* a, const auto* b) {
      return number_or(a->instance_number, 0) < number_or(b->instance_number, 0);
    });
    const auto* head = members.front();
    json entry{{"uid", uid},
               {"modality", {{"system", kDicomCodes}, {"code", head->modality}}},
               {"numberOfInstances", members.size()}};
    if (const int number = number_or(head->series_number, -1); number >= 0) entry["number"] = number;
    if (!head->series_description.empty()) entry["description"] = head->series_description;
    json list = json::array();
    for (const auto* i : members) {
      json instance{{"uid", i->sop_instance_uid},
                    {"sopClass", {{"system", "urn:ietf:rfc:3986"}, {"code", "urn:oid:" + i->sop_class_uid}}}};
      if (const int number = number_or(i->instance_number, -1); number >= 0) instance["number"] = number;
      list.push_back(instance);
    }
    entry["instance"] = list;
    series.push_back(entry);
    if (std::find(modalities.begin(), modalities.end(), head->modality) == modalities.end()) {
      modalities.push_back(head->modality);
    }
  }
  std::sort(series.begin(), series.end(),
            [](const json& a, const json& b) { return a.value("number", 0) < b.value("number", 0); });
  json modality = json::array();
  for (const auto& m : modalities) modality.push_back({{"system", kDicomCodes}, {"code", m}});
  s["modality"] = modality;
  s["numberOfSeries"] = series.size();
  s["numberOfInstances"] = instances.size();
  s["series"] = series;
  return s;
}

json diagnostic_report(const report::Report& report, const std::string& id, const std::string& patient_id,
                       const std::string& imaging_study_id) {
  std::string status = "registered";
  switch (report.status) {
    case report::Status::preliminary: status = "preliminary"; break;
    case report::Status::final_: status = report.addenda.empty() ? "final" : "appended"; break;
    case report::Status::corrected: status = "corrected"; break;
    case report::Status::cancelled: status = "cancelled"; break;
    case report::Status::unknown: status = report.attachments.empty() ? "registered" : "final"; break;
  }
  json r{
      {"resourceType", "DiagnosticReport"},
      {"id", id},
      {"status", status},
      {"category", json::array({{{"coding", json::array({{{"system", "http://terminology.hl7.org/CodeSystem/v2-0074"},
                                                          {"code", "RAD"},
                                                          {"display", "Radiology"}}})}}})},
      {"code",
       {{"coding",
         json::array({{{"system", "http://loinc.org"}, {"code", "18748-4"}, {"display", "Diagnostic imaging study"}}})},
        {"text", report.procedure_text}}},
      {"subject", reference_to("Patient", patient_id)}};
  if (!report.accession.empty()) {
    r["identifier"] =
        json::array({typed_identifier("ACSN", "Accession ID", "urn:radloop:accession", report.accession)});
  }
  if (!imaging_study_id.empty()) r["imagingStudy"] = json::array({reference_to("ImagingStudy", imaging_study_id)});
  if (const auto when = fhir_date_time(report.observation_time); !when.empty()) r["effectiveDateTime"] = when;
  for (const auto& s : report.sections) {
    if (s.heading.starts_with("Impression") || s.heading.starts_with("Conclusion")) r["conclusion"] = s.text;
  }
  json forms = json::array();
  if (const auto text = report.narrative(); !text.empty()) {
    forms.push_back({{"contentType", "text/plain; charset=utf-8"}, {"data", base64_encode(text)}, {"title", "Report"}});
  }
  for (const auto& a : report.attachments) {
    forms.push_back({{"contentType", a.mime_type}, {"data", base64_encode(a.bytes)}, {"title", a.title}});
  }
  if (!forms.empty()) r["presentedForm"] = forms;
  return r;
}

}  // namespace radloop::fhir
