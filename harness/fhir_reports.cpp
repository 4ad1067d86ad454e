// DiagnosticReport search and Patient read over HTTP (see the header).
#include "harness/fhir_reports.hpp"

#include <nlohmann/json.hpp>

#include <map>

#include "harness/http_get.hpp"
#include "reference/core/base64.hpp"

namespace radloop::harness {
namespace {

Result<nlohmann::json> get_json(const std::string& url, const std::string& token) {
  auto reply = http_get(url, token);
  if (!reply) return reply.error();
  if (reply->status != 200) {
    return Error{Errc::invalid_input, url, "the FHIR server answered HTTP " + std::to_string(reply->status)};
  }
  auto body = nlohmann::json::parse(reply->body, nullptr, false);
  if (body.is_discarded() || !body.is_object()) {
    return Error{Errc::invalid_input, url, "the FHIR server's answer is not a JSON resource"};
  }
  return body;
}

// A JSON member as text; anything else (absent, a number, an object) is empty.
std::string text(const nlohmann::json& object, const char* key) {
  if (!object.is_object()) return {};
  const auto found = object.find(key);
  return found != object.end() && found->is_string() ? found->get<std::string>() : std::string();
}

// The identifier values of the Patient a reference names ("Patient/123", or an absolute URL
// ending so); none when it names none that can be read (the patient check then fails).
std::vector<std::string> patient_ids(const std::string& base, const std::string& token, const std::string& reference) {
  const auto at = reference.rfind("Patient/");
  if (at == std::string::npos || at + 8 >= reference.size()) return {};
  auto patient = get_json(base + "/Patient/" + url_encode(reference.substr(at + 8)), token);
  if (!patient) return {};
  std::vector<std::string> ids;
  if (const auto found = patient->find("identifier"); found != patient->end() && found->is_array()) {
    for (const auto& identifier : *found) {
      if (const auto value = text(identifier, "value"); !value.empty()) ids.push_back(value);
    }
  }
  return ids;
}

// A plain-text presented form as the report reads, else the conclusion.
std::string text_of(const nlohmann::json& report) {
  if (const auto forms = report.find("presentedForm"); forms != report.end() && forms->is_array()) {
    for (const auto& form : *forms) {
      if (!text(form, "contentType").starts_with("text/plain")) continue;
      if (auto decoded = base64_decode(text(form, "data")); decoded) return decoded.value();
    }
  }
  return text(report, "conclusion");
}

Result<std::vector<PublishedReport>> read_reports(const std::string& base, const std::string& token,
                                                  const std::string& accession) {
  auto bundle = get_json(base + "/DiagnosticReport?identifier=" + url_encode(accession), token);
  if (!bundle) return bundle.error();
  std::vector<PublishedReport> out;
  std::map<std::string, std::vector<std::string>> patients;  // read each Patient once
  if (const auto entries = bundle->find("entry"); entries != bundle->end() && entries->is_array()) {
    for (const auto& entry : *entries) {
      if (!entry.is_object() || !entry.contains("resource")) continue;
      const auto& r = entry["resource"];
      if (text(r, "resourceType") != "DiagnosticReport") continue;
      PublishedReport p;
      p.id = text(r, "id");
      p.status = text(r, "status");
      p.text = text_of(r);
      const auto subject = r.contains("subject") ? text(r["subject"], "reference") : std::string();
      if (!patients.contains(subject)) patients[subject] = patient_ids(base, token, subject);
      p.patient_ids = patients[subject];
      out.push_back(std::move(p));
    }
  }
  return out;
}

}  // namespace

Result<std::vector<PublishedReport>> fhir_reports(const std::string& base, const std::string& token,
                                                  const std::string& accession) {
  // Whatever a peer's JSON holds, a reading error is an Error, never an exception.
  try {
    return read_reports(base, token, accession);
  } catch (const nlohmann::json::exception& e) {
    return Error{Errc::invalid_input, base, std::string("the FHIR answer cannot be read: ") + e.what()};
  }
}

}  // namespace radloop::harness
