// A system under test radloop did not start, observed only through what its endpoints file names:
// a radloop portal (inbound log, study state), QIDO-RS or Study Root C-FIND (how a study is
// filed), or nothing — and then the checkers say unknown, with the reason.
#include <fmt/format.h>

#include <charconv>
#include <nlohmann/json.hpp>

#include "harness/endpoints.hpp"
#include "harness/fhir_reports.hpp"
#include "harness/http_get.hpp"
#include "reference/dicom/study_find_scu.hpp"

namespace radloop::harness {
namespace {

class ExternalSystem final : public SystemUnderTest {
 public:
  explicit ExternalSystem(SutEndpoints e) : e_(std::move(e)) {}

  [[nodiscard]] Endpoints endpoints() const override { return e_.address; }

  Result<bool> has_inbound(const std::string& sender, const std::string& control_id) override {
    auto body = api("/inbound?sender=" + url_encode(sender) + "&control_id=" + url_encode(control_id));
    if (!body) return body.error();
    return body->value("kept", false);
  }

  Result<std::int64_t> count_inbound_records(const std::string& sender, const std::string& control_id) override {
    auto body = api("/inbound?sender=" + url_encode(sender) + "&control_id=" + url_encode(control_id));
    if (!body) return body.error();
    if (!body->contains("records")) {
      return Error{Errc::not_observable, e_.name,
                   "its /inbound answer does not say how many records a message is kept as"};
    }
    return (*body)["records"].get<std::int64_t>();
  }

  Result<std::optional<LandedStudy>> find_study(const std::string& study_uid) override {
    if (!e_.radloop_api.empty()) return study_from_api(study_uid);
    if (!e_.qido_rs.empty()) return study_from_qido(study_uid);
    if (e_.c_find) return study_from_c_find(study_uid);
    return Error{Errc::not_observable, e_.name,
                 "the endpoints file names no way to see what landed (observe: c_find, qido_rs or radloop_api)"};
  }

  Result<std::vector<PublishedReport>> published_reports(const std::string& accession) override {
    if (e_.fhir.empty()) return SystemUnderTest::published_reports(accession);
    return fhir_reports(e_.fhir, e_.token, accession);
  }

 private:
  // GET on the radloop portal; 404 comes back as a null body.
  Result<nlohmann::json> api(const std::string& path) {
    if (e_.radloop_api.empty()) {
      return Error{Errc::not_observable, e_.name,
                   "the system exposes no inbound log to ask (only a radloop portal does: observe.radloop_api)"};
    }
    auto reply = http_get(e_.radloop_api + path, e_.token);
    if (!reply) return reply.error();
    if (reply->status == 404) return nlohmann::json();
    if (reply->status != 200) {
      return Error{Errc::not_observable, "GET " + e_.radloop_api + path, fmt::format("answered {}", reply->status)};
    }
    auto body = nlohmann::json::parse(reply->body, nullptr, false);
    if (body.is_discarded()) return Error{Errc::not_observable, "GET " + e_.radloop_api + path, "not JSON"};
    return body;
  }

  Result<std::optional<LandedStudy>> study_from_api(const std::string& study_uid) {
    auto body = api("/studies/" + url_encode(study_uid));
    if (!body) return body.error();
    if (body->is_null()) return std::optional<LandedStudy>{};
    LandedStudy s;
    s.study_uid = body->value("study_uid", "");
    s.patient_id = body->value("patient_id", "");
    s.issuer = body->value("issuer", "");
    s.accession = body->value("accession", "");
    s.instances = body->value("instances", std::int64_t{0});
    s.state = body->value("state", "");
    s.reason = body->value("reason", "");
    s.linked_accession = body->value("linked_accession", "");
    s.linked_patient_id = body->value("linked_patient_id", "");
    s.linked_issuer = body->value("linked_issuer", "");
    return std::optional<LandedStudy>{s};
  }

  // QIDO-RS (PS3.18 10.6): the study's attributes as DICOM JSON; like C-FIND, it shows how a
  // study is filed, not whether it is linked to an order.
  Result<std::optional<LandedStudy>> study_from_qido(const std::string& study_uid) {
    const auto url = e_.qido_rs + "/studies?StudyInstanceUID=" + url_encode(study_uid) +
                     "&includefield=00201208&includefield=00100021";
    auto reply = http_get(url, e_.token);
    if (!reply) return reply.error();
    if (reply->status == 204 || reply->status == 404) return std::optional<LandedStudy>{};
    if (reply->status != 200)
      return Error{Errc::not_observable, "GET " + url, fmt::format("answered {}", reply->status)};
    const auto body = nlohmann::json::parse(reply->body, nullptr, false);
    if (body.is_discarded() || !body.is_array()) {
      return Error{Errc::not_observable, "GET " + url, "the answer is not a DICOM JSON array"};
    }
    // DICOM JSON: {"0020000D": {"vr": "UI", "Value": ["1.2..."]}, ...}
    const auto value = [](const nlohmann::json& item, const char* tag) -> nlohmann::json {
      if (!item.contains(tag) || !item[tag].contains("Value") || item[tag]["Value"].empty()) return nullptr;
      return item[tag]["Value"][0];
    };
    for (const auto& item : body) {
      if (value(item, "0020000D") != study_uid) continue;
      const auto text = [&](const char* tag) {
        const auto v = value(item, tag);
        return v.is_string() ? v.get<std::string>() : std::string();
      };
      LandedStudy s;
      s.study_uid = study_uid;
      s.patient_id = text("00100020");
      s.issuer = text("00100021");
      s.accession = text("00080050");
      // An IS may come as a number or as text; not answered (or unreadable) is unknown: -1.
      const auto count = value(item, "00201208");
      s.instances = -1;
      if (count.is_number_integer()) {
        s.instances = count.get<std::int64_t>();
      } else if (count.is_string()) {
        const auto& digits = count.get_ref<const std::string&>();
        std::int64_t n = 0;
        if (std::from_chars(digits.data(), digits.data() + digits.size(), n).ec == std::errc()) s.instances = n;
      }
      return std::optional<LandedStudy>{s};
    }
    return std::optional<LandedStudy>{};
  }

  Result<std::optional<LandedStudy>> study_from_c_find(const std::string& study_uid) {
    dicom::FindPeer peer;
    peer.host = e_.address.host;
    peer.port = e_.address.dicom_port;
    peer.called_ae = e_.address.ae_title;
    auto matches = dicom::find_studies(peer, study_uid);
    if (!matches) {
      auto error = matches.error();
      if (error.code == Errc::dicom_no_presentation_context || error.code == Errc::dicom_association_rejected) {
        error.code = Errc::not_observable;
      }
      return error;
    }
    for (const auto& m : *matches) {
      if (m.study_uid != study_uid) continue;
      LandedStudy s;
      s.study_uid = m.study_uid;
      s.patient_id = m.patient_id;
      s.issuer = m.issuer;
      s.accession = m.accession;
      s.instances = m.instances.value_or(-1);  // not answered: unknown
      return std::optional<LandedStudy>{s};
    }
    return std::optional<LandedStudy>{};
  }

  SutEndpoints e_;
};

}  // namespace

std::unique_ptr<SystemUnderTest> external_system(const SutEndpoints& endpoints) {
  return std::make_unique<ExternalSystem>(endpoints);
}

}  // namespace radloop::harness
