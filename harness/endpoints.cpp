// Reading an endpoints file (see endpoints.hpp).
#include "harness/endpoints.hpp"

#include <fstream>
#include <sstream>

#include "harness/internal/scenario_yaml.hpp"

namespace radloop::harness {
namespace {

std::uint16_t port(const yaml::Reader& r, const YAML::Node& node, const std::string& path, bool required) {
  const auto value = r.count(node, path, "port", 0, 0, 65535);
  if (required && value == 0) r.fail(node, path + ".port", "a port from 1 to 65535 is required");
  return static_cast<std::uint16_t>(value);
}

SutEndpoints read(const yaml::Reader& r, const YAML::Node& root) {
  r.only_keys(root, "", {"name", "hl7", "dicom", "routes", "observe"});
  SutEndpoints e;
  e.name = r.text(root, "", "name", "system under test");
  const auto hl7 = root["hl7"];
  if (!hl7) r.fail(root, "hl7", "where the system takes HL7 over MLLP: {host, port}");
  r.only_keys(hl7, "hl7", {"host", "port"});
  e.address.host = r.text(hl7, "hl7", "host", e.address.host);
  e.address.mllp_port = port(r, hl7, "hl7", true);
  const auto dicom = root["dicom"];
  if (!dicom) r.fail(root, "dicom", "the system's DICOM service: {host, port, ae_title}");
  r.only_keys(dicom, "dicom", {"host", "port", "ae_title"});
  if (r.text(dicom, "dicom", "host", e.address.host) != e.address.host) {
    r.fail(dicom, "dicom.host", "HL7 and DICOM on different hosts are not supported yet; give both the same host");
  }
  e.address.dicom_port = port(r, dicom, "dicom", true);
  e.address.ae_title = r.required(dicom, "dicom", "ae_title", "the system's called AE title");
  if (const auto routes = root["routes"]) {
    r.only_keys(routes, "routes", {"ris", "ehr"});
    if (const auto ris = routes["ris"]) {
      r.only_keys(ris, "routes.ris", {"port"});
      e.ris_listen_port = port(r, ris, "routes.ris", true);
    }
    if (const auto ehr = routes["ehr"]) {
      r.only_keys(ehr, "routes.ehr", {"port"});
      e.ehr_listen_port = port(r, ehr, "routes.ehr", true);
    }
  }
  if (const auto observe = root["observe"]) {
    r.only_keys(observe, "observe", {"c_find", "radloop_api", "qido_rs", "fhir", "token"});
    e.fhir = r.text(observe, "observe", "fhir");
    while (!e.fhir.empty() && e.fhir.back() == '/') e.fhir.pop_back();
    if (!e.fhir.empty() && e.fhir.rfind("http://", 0) != 0) {
      r.fail(observe, "observe.fhir", "an http:// base URL, e.g. http://127.0.0.1:8080/fhir");
    }
    e.qido_rs = r.text(observe, "observe", "qido_rs");
    while (!e.qido_rs.empty() && e.qido_rs.back() == '/') e.qido_rs.pop_back();
    if (!e.qido_rs.empty() && e.qido_rs.rfind("http://", 0) != 0) {
      r.fail(observe, "observe.qido_rs", "an http:// base URL, e.g. http://127.0.0.1:8042/dicom-web");
    }
    e.c_find = r.flag(observe, "observe", "c_find", false);
    e.radloop_api = r.text(observe, "observe", "radloop_api");
    while (!e.radloop_api.empty() && e.radloop_api.back() == '/') e.radloop_api.pop_back();
    if (!e.radloop_api.empty() && e.radloop_api.rfind("http://", 0) != 0) {
      r.fail(observe, "observe.radloop_api", "an http:// base URL, e.g. http://127.0.0.1:8080");
    }
    e.token = r.text(observe, "observe", "token");
  }
  return e;
}

}  // namespace

Result<SutEndpoints> parse_endpoints(const std::string& yaml_text, const std::filesystem::path& origin) {
  const yaml::Reader reader(origin);
  try {
    auto e = read(reader, YAML::Load(yaml_text));
    e.origin = origin;
    return e;
  } catch (const yaml::Problem& p) {
    auto error = p.error;
    error.code = Errc::invalid_config;
    return error;
  } catch (const YAML::Exception& e) {
    return Error{Errc::invalid_config, origin.string() + ":" + std::to_string(e.mark.line + 1), e.msg};
  }
}

Result<SutEndpoints> load_endpoints(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) return Error{Errc::invalid_config, path.string(), "cannot open the endpoints file"};
  std::stringstream text;
  text << in.rdbuf();
  return parse_endpoints(text.str(), path);
}

}  // namespace radloop::harness
