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
    return Error{Errc::not_observable, url, "the FHIR server answered HTTP " + std::to_string(reply->status)};
  }
  auto body = nlohmann::json::parse(reply->body, nullptr, false);
  if (body.is_discarded() || !body.is_object()) {
    return Error{Errc::invalid_input, url, "the FHIR server's answer is not a JSON resource"};
  }
  return body;
}

// The identifier values of the Patient a reference ("Patient/123") names.
Result<std::vector<std::string>> patient_ids(const std::string& base, const std::string& token,
                                             const std::string& reference) {
  if (!reference.starts_with("Patient/")) return std::vector<std::string>{};
  auto patient = get_json(base + "/" + reference, token);
  if (!patient) return patient.error();
  std::vector<std::string> ids;
  if (const auto found = patient->find("identifier"); found != patient->end() && found->is_array()) {
    for (const auto& identifier : *found) {
      if (identifier.is_object() && identifier.contains("value") && identifier["value"].is_string())
        ids.push_back(identifier["value"].get<std::string>());
    }
  }
  return ids;
}

// A plain-text presented form as the report reads, else the conclusion.
std::string text_of(const nlohmann::json& report) {
  if (const auto forms = report.find("presentedForm"); forms != report.end() && forms->is_array()) {
    for (const auto& form : *forms) {
      if (!form.is_object() || !form.value("contentType", "").starts_with("text/plain")) continue;
      if (auto decoded = base64_decode(form.value("data", "")); decoded) return decoded.value();
    }
  }
  return report.value("conclusion", "");
}

}  // namespace

Result<std::vector<PublishedReport>> fhir_reports(const std::string& base, const std::string& token,
                                                  const std::string& accession) {
  auto bundle = get_json(base + "/DiagnosticReport?identifier=" + url_encode(accession), token);
  if (!bundle) return bundle.error();
  std::vector<PublishedReport> out;
  std::map<std::string, std::vector<std::string>> patients;  // read each Patient once
  if (const auto entries = bundle->find("entry"); entries != bundle->end() && entries->is_array()) {
    for (const auto& entry : *entries) {
      if (!entry.is_object() || !entry.contains("resource") || !entry["resource"].is_object()) continue;
      const auto& r = entry["resource"];
      if (r.value("resourceType", "") != "DiagnosticReport") continue;
      PublishedReport p;
      p.id = r.value("id", "");
      p.status = r.value("status", "");
      p.text = text_of(r);
      std::string subject;
      if (r.contains("subject") && r["subject"].is_object()) subject = r["subject"].value("reference", "");
      if (!patients.contains(subject)) {
        auto ids = patient_ids(base, token, subject);
        if (!ids) return ids.error();
        patients[subject] = std::move(ids).value();
      }
      p.patient_ids = patients[subject];
      out.push_back(std::move(p));
    }
  }
  return out;
}

}  // namespace radloop::harness
