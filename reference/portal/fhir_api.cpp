// FHIR R4 read and search over what the pipeline keeps: Patient, ServiceRequest, ImagingStudy,
// DiagnosticReport, built from the store's records on each request.
#include <nlohmann/json.hpp>

#include "reference/core/hex.hpp"
#include "reference/fhir/resources.hpp"
#include "reference/portal/api.hpp"
#include "reference/report/report_json.hpp"

namespace radloop::portal {
namespace {

using json = nlohmann::json;
constexpr const char* kFhirJson = "application/fhir+json";

HttpResponse fhir_response(unsigned status, const json& body) {
  auto r = json_response(status, dump(body));
  r.content_type = kFhirJson;
  return r;
}

HttpResponse outcome(unsigned status, const std::string& code, const std::string& text) {
  return fhir_response(status,
                       {{"resourceType", "OperationOutcome"},
                        {"issue", json::array({{{"severity", "error"}, {"code", code}, {"diagnostics", text}}})}});
}

HttpResponse failure(const Error& e) {
  const auto status = error_response(e).status;
  return outcome(status, status == 404 ? "not-found" : status == 400 ? "invalid" : "exception", e.message());
}

// A patient's FHIR id: its MRN and issuer, hex-encoded so any characters fit [A-Za-z0-9] and the
// id reads back to the pair.
std::string patient_id(const std::string& mrn, const std::string& issuer) { return to_hex(mrn + "|" + issuer); }

std::optional<std::pair<std::string, std::string>> patient_key(const std::string& id) {
  const auto bytes = from_hex(id);
  if (!bytes) return std::nullopt;
  const auto bar = bytes->find('|');
  if (bar == std::string::npos) return std::nullopt;
  return std::pair{bytes->substr(0, bar), bytes->substr(bar + 1)};
}

// "Patient/abc" or "abc" as a search value.
std::string reference_id(const std::string& value, const std::string& type) {
  return value.starts_with(type + "/") ? value.substr(type.size() + 1) : value;
}

// The patient a search names (patient=Patient/<id> or <id>): empty strings when none is named,
// nullopt when one is named that cannot exist (then nothing matches).
std::optional<std::pair<std::string, std::string>> searched_patient(const HttpRequest& request) {
  const auto value = query_value(request, "patient");
  if (value.empty()) return std::pair<std::string, std::string>{};
  return patient_key(reference_id(value, "Patient"));
}

// identifier=system|value or identifier=value: the value.
std::string identifier_value(const std::string& value) {
  const auto bar = value.find('|');
  return bar == std::string::npos ? value : value.substr(bar + 1);
}

int count_of(const HttpRequest& request) {
  const auto text = query_value(request, "_count");
  try {
    const int n = text.empty() ? 100 : std::stoi(text);
    return std::clamp(n, 1, 1000);
  } catch (const std::exception&) {
    return 100;
  }
}

json bundle(const HttpRequest& request, const std::string& type, const std::vector<json>& resources) {
  json entries = json::array();
  for (const auto& r : resources) {
    entries.push_back({{"fullUrl", "/fhir/" + type + "/" + r.at("id").get<std::string>()},
                       {"resource", r},
                       {"search", {{"mode", "match"}}}});
  }
  return {{"resourceType", "Bundle"},
          {"type", "searchset"},
          {"total", resources.size()},
          {"link", json::array({{{"relation", "self"}, {"url", request.target}}})},
          {"entry", entries}};
}

json patient_resource(const store::PatientRecord& p) {
  return fhir::patient({p.mrn, p.issuer, p.name, p.birth_date, p.sex}, patient_id(p.mrn, p.issuer));
}

json order_resource(const store::OrderRecord& o) {
  return fhir::service_request(
      {o.placer, o.filler, o.accession, o.status, o.procedure_code, o.procedure_system, o.procedure_text, o.scheduled},
      std::to_string(o.id), patient_id(o.patient_mrn, o.patient_issuer));
}

Result<json> study_resource(store::Tx& tx, const store::StudyRecord& s) {
  auto instances = tx.instances(s.study_uid, "", "");
  if (!instances) return instances.error();
  return fhir::imaging_study(*instances, s.study_uid, patient_id(s.patient_mrn, s.patient_issuer),
                             s.order_id != 0 ? std::to_string(s.order_id) : std::string());
}

Result<json> report_resource(store::Tx& tx, const store::ReportRecord& r) {
  auto content = report::parse_report(r.body);
  if (!content) return content.error();
  std::string study;
  if (r.order_id != 0) {
    store::StudyFilter f;
    f.order_id = r.order_id;
    f.limit = 1;
    auto studies = tx.studies(f);
    if (!studies) return studies.error();
    if (!studies->empty()) study = studies->front().study_uid;
  }
  return fhir::diagnostic_report(*content, std::to_string(r.id), patient_id(r.patient_mrn, r.patient_issuer), study);
}

// Keeps resources whose "status" is `status` (when given) and whose date element starts with
// `date` (when given).
std::vector<json> filtered(std::vector<json> resources, const std::string& status, const std::string& date_element,
                           const std::string& date) {
  std::vector<json> out;
  for (auto& r : resources) {
    if (!status.empty() && r.value("status", "") != status) continue;
    if (!date.empty()) {
      const auto value = r.value(date_element, "");
      if (!value.starts_with(date)) continue;
    }
    out.push_back(std::move(r));
  }
  return out;
}

Result<std::optional<store::PatientRecord>> patient_of(store::Tx& tx, const std::string& id) {
  const auto key = patient_key(id);
  if (!key) return std::optional<store::PatientRecord>{};
  auto found = tx.find_patient(key->first, key->second);
  if (!found) return found.error();
  if (found->has_value()) return found;
  // Known from orders or images only: a patient the registry never saw still has an identity.
  store::PatientRecord bare;
  bare.mrn = key->first;
  bare.issuer = key->second;
  return std::optional<store::PatientRecord>{bare};
}

using Search = std::function<Result<std::vector<json>>(store::Tx&, const HttpRequest&)>;
using Read = std::function<Result<std::optional<json>>(store::Tx&, const std::string&)>;

void add_type(Router& router, pipeline::Pipeline& p, const std::string& type, Search search, Read read) {
  router.add("GET", "/fhir/" + type, [&p, type, search](const HttpRequest& request, const PathParams&) {
    auto found = p.store().read_value<std::vector<json>>([&](store::Tx& tx) { return search(tx, request); });
    if (!found) return failure(found.error());
    auto all = std::move(found).value();
    if (all.size() > static_cast<std::size_t>(count_of(request)))
      all.resize(static_cast<std::size_t>(count_of(request)));
    return fhir_response(200, bundle(request, type, all));
  });
  router.add("GET", "/fhir/" + type + "/{id}", [&p, type, read](const HttpRequest&, const PathParams& params) {
    const auto& id = params.at("id");
    auto found = p.store().read_value<std::optional<json>>([&](store::Tx& tx) { return read(tx, id); });
    if (!found) return failure(found.error());
    if (!found->has_value()) return outcome(404, "not-found", type + "/" + id + " is not known here");
    return fhir_response(200, **found);
  });
}

std::int64_t numeric_id(const std::string& id) {
  if (id.empty() || id.size() > 18 || !std::all_of(id.begin(), id.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return 0;
  }
  return std::stoll(id);
}

}  // namespace

void add_fhir_routes(Router& router, pipeline::Pipeline& p) {
  router.add("GET", "/fhir/metadata", [](const HttpRequest&, const PathParams&) {
    json resources = json::array();
    for (const auto* type : {"Patient", "ServiceRequest", "ImagingStudy", "DiagnosticReport"}) {
      resources.push_back(
          {{"type", type}, {"interaction", json::array({{{"code", "read"}}, {{"code", "search-type"}}})}});
    }
    return fhir_response(200, {{"resourceType", "CapabilityStatement"},
                               {"status", "active"},
                               {"date", "2026-11-22"},
                               {"kind", "instance"},
                               {"fhirVersion", "4.0.1"},
                               {"format", json::array({"json"})},
                               {"rest", json::array({{{"mode", "server"}, {"resource", resources}}})}});
  });

  add_type(
      router, p, "Patient",
      [](store::Tx& tx, const HttpRequest& request) -> Result<std::vector<json>> {
        std::vector<json> out;
        const auto id = query_value(request, "_id");
        if (!id.empty()) {
          auto one = patient_of(tx, id);
          if (!one) return one.error();
          if (one->has_value()) out.push_back(patient_resource(**one));
          return out;
        }
        auto found = tx.patients(identifier_value(query_value(request, "identifier")), query_value(request, "name"),
                                 count_of(request));
        if (!found) return found.error();
        for (const auto& patient : *found) out.push_back(patient_resource(patient));
        return out;
      },
      [](store::Tx& tx, const std::string& id) -> Result<std::optional<json>> {
        auto one = patient_of(tx, id);
        if (!one) return one.error();
        if (!one->has_value()) return std::optional<json>{};
        return std::optional<json>{patient_resource(**one)};
      });

  add_type(
      router, p, "ServiceRequest",
      [](store::Tx& tx, const HttpRequest& request) -> Result<std::vector<json>> {
        store::OrderFilter f;
        const auto patient = searched_patient(request);
        if (!patient) return std::vector<json>{};
        std::tie(f.patient_mrn, f.patient_issuer) = *patient;
        f.accession = identifier_value(query_value(request, "identifier"));
        auto found = tx.orders(f);
        if (!found) return found.error();
        std::vector<json> out;
        for (const auto& o : *found) out.push_back(order_resource(o));
        return filtered(std::move(out), query_value(request, "status"), "occurrenceDateTime",
                        query_value(request, "occurrence"));
      },
      [](store::Tx& tx, const std::string& id) -> Result<std::optional<json>> {
        const auto n = numeric_id(id);
        if (n == 0) return std::optional<json>{};
        auto o = tx.find_order(n);
        if (!o) return o.error();
        if (!o->has_value()) return std::optional<json>{};
        return std::optional<json>{order_resource(**o)};
      });

  add_type(
      router, p, "ImagingStudy",
      [](store::Tx& tx, const HttpRequest& request) -> Result<std::vector<json>> {
        store::StudyFilter f;
        const auto patient = searched_patient(request);
        if (!patient) return std::vector<json>{};
        std::tie(f.patient_mrn, f.patient_issuer) = *patient;
        const auto identifier = identifier_value(query_value(request, "identifier"));
        if (identifier.starts_with("urn:oid:")) {
          f.study_uid = identifier.substr(8);
        } else {
          f.accession = identifier;
        }
        auto found = tx.studies(f);
        if (!found) return found.error();
        std::vector<json> out;
        for (const auto& s : *found) {
          auto r = study_resource(tx, s);
          if (!r) return r.error();
          out.push_back(std::move(r).value());
        }
        return filtered(std::move(out), query_value(request, "status"), "started", query_value(request, "started"));
      },
      [](store::Tx& tx, const std::string& id) -> Result<std::optional<json>> {
        store::StudyFilter f;
        f.study_uid = id;
        auto found = tx.studies(f);
        if (!found) return found.error();
        if (found->empty()) return std::optional<json>{};
        auto r = study_resource(tx, found->front());
        if (!r) return r.error();
        return std::optional<json>{std::move(r).value()};
      });

  add_type(
      router, p, "DiagnosticReport",
      [](store::Tx& tx, const HttpRequest& request) -> Result<std::vector<json>> {
        store::ReportFilter f;
        const auto patient = searched_patient(request);
        if (!patient) return std::vector<json>{};
        f.patient_mrn = patient->first;
        f.accession = identifier_value(query_value(request, "identifier"));
        auto found = tx.reports(f);
        if (!found) return found.error();
        std::vector<json> out;
        for (const auto& r : *found) {
          auto resource = report_resource(tx, r);
          if (!resource) return resource.error();
          out.push_back(std::move(resource).value());
        }
        return filtered(std::move(out), query_value(request, "status"), "effectiveDateTime",
                        query_value(request, "date"));
      },
      [](store::Tx& tx, const std::string& id) -> Result<std::optional<json>> {
        store::ReportFilter f;
        f.id = numeric_id(id);
        if (f.id == 0) return std::optional<json>{};
        auto found = tx.reports(f);
        if (!found) return found.error();
        if (found->empty()) return std::optional<json>{};
        auto r = report_resource(tx, found->front());
        if (!r) return r.error();
        return std::optional<json>{std::move(r).value()};
      });
}

}  // namespace radloop::portal
