// A system under test radloop did not start, observed only through what its endpoints file names:
// a radloop portal (inbound log, study state), Study Root C-FIND (how a study is filed), or
// nothing — and then the checkers say unknown, with the reason.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "harness/endpoints.hpp"
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
    if (e_.c_find) return study_from_c_find(study_uid);
    return Error{Errc::not_observable, e_.name,
                 "the endpoints file names no way to see what landed (observe: c_find or radloop_api)"};
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
