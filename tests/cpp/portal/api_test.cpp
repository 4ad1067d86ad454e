// The portal's routes over a real pipeline on loopback: STOW-RS stores through the C-STORE path,
// QIDO-RS finds it, WADO-RS gives the same bytes back, FHIR reads and searches, review actions
// over HTTP, the token, health and metrics.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>

#include "reference/portal/multipart.hpp"
#include "reference/portal/portal.hpp"
#include "tests/cpp/dicom/store_fixture.hpp"
#include "tests/cpp/pipeline/flow_fixture.hpp"
#include "tests/cpp/portal/http_test_client.hpp"

namespace radloop::portal {
namespace {

using json = nlohmann::json;
using pipeline::test_support::eventually;
using pipeline::test_support::FlowTest;
using pipeline::test_support::oru;
using pipeline::test_support::ris_order;
namespace dt = dicom::test_support;

class PortalApi : public FlowTest {
 protected:
  void start_portal(const std::string& token = {}) {
    start();
    HttpServerConfig config;
    if (!token.empty()) config.credentials = {{"reviewer", token}};
    portal_ = Portal::start(*pipeline_, config).value();
  }
  void TearDown() override {
    portal_.reset();
    FlowTest::TearDown();
  }
  testing::Response call(const std::string& method, const std::string& target, const std::string& body = {},
                         std::vector<std::pair<std::string, std::string>> fields = {}) {
    testing::RawClient client(portal_->port());
    EXPECT_TRUE(client.write(testing::http_request(method, target, fields, body)));
    auto response = client.read_response();
    EXPECT_TRUE(response.has_value()) << method << " " << target;
    return response.value_or(testing::Response{});
  }
  json get_json(const std::string& target) {
    const auto r = call("GET", target);
    EXPECT_EQ(r.result_int(), 200U) << target << ": " << r.body();
    return json::parse(r.body(), nullptr, false);
  }
  static std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream bytes;
    bytes << in.rdbuf();
    return bytes.str();
  }

  std::unique_ptr<Portal> portal_;
};

TEST_F(PortalApi, StowStoresQidoFindsAndWadoGivesTheSameBytesBack) {
  start_portal();
  dt::Instance spec;
  spec.patient_id = "MRN1";
  spec.accession = "ACC1";
  const auto image = dt::make_instance(dir_, spec);
  const auto bytes = read_file(image.path);
  const auto boundary = random_boundary();
  const auto body = build_multipart({{{{"Content-Type", "application/dicom"}}, bytes}}, boundary);
  const auto stored =
      call("POST", "/dicomweb/studies", body, {{"Content-Type", multipart_related_content_type(boundary)}});
  ASSERT_EQ(stored.result_int(), 200U) << stored.body();
  const auto answer = json::parse(stored.body());
  EXPECT_EQ(answer["00081199"]["Value"][0]["00081155"]["Value"][0], image.sop_uid);

  const auto studies = get_json("/dicomweb/studies?PatientID=MRN1");
  ASSERT_EQ(studies.size(), 1U);
  EXPECT_EQ(studies[0]["0020000D"]["Value"][0], image.study_uid);
  EXPECT_EQ(studies[0]["00080050"]["Value"][0], "ACC1");
  EXPECT_EQ(studies[0]["00201208"]["Value"][0], 1);
  EXPECT_TRUE(get_json("/dicomweb/studies?AccessionNumber=OTHER").empty());
  const auto series = get_json("/dicomweb/studies/" + image.study_uid + "/series");
  ASSERT_EQ(series.size(), 1U);
  EXPECT_EQ(series[0]["0020000E"]["Value"][0], image.series_uid);
  const auto instances =
      get_json("/dicomweb/studies/" + image.study_uid + "/series/" + image.series_uid + "/instances");
  ASSERT_EQ(instances.size(), 1U);
  EXPECT_EQ(instances[0]["00080018"]["Value"][0], image.sop_uid);

  const auto retrieved = call(
      "GET", "/dicomweb/studies/" + image.study_uid + "/series/" + image.series_uid + "/instances/" + image.sop_uid);
  ASSERT_EQ(retrieved.result_int(), 200U);
  const auto type = std::string(retrieved[boost::beast::http::field::content_type]);
  auto parts = parse_multipart(type, retrieved.body());
  ASSERT_TRUE(parts.ok()) << parts.error().message();
  ASSERT_EQ(parts->size(), 1U);
  // STOW keeps the file as posted; WADO gives exactly those bytes back.
  EXPECT_EQ(parts->front().body, bytes);
  EXPECT_EQ(read_file(dt::final_path(dir_ / "images", image).string()), bytes);
  EXPECT_EQ(call("GET", "/dicomweb/studies/1.2.3/series/4.5/instances/6.7").result_int(), 404U);
}

TEST_F(PortalApi, StowRefusesWhatIsNotMultipartAndReportsPartsItCouldNotStore) {
  start_portal();
  EXPECT_EQ(call("POST", "/dicomweb/studies", "x", {{"Content-Type", "application/dicom"}}).result_int(), 400U);
  const auto boundary = random_boundary();
  const auto body = build_multipart({{{{"Content-Type", "application/dicom"}}, "not a DICOM file"}}, boundary);
  const auto r = call("POST", "/dicomweb/studies", body, {{"Content-Type", multipart_related_content_type(boundary)}});
  EXPECT_EQ(r.result_int(), 409U) << r.body();
  EXPECT_TRUE(json::parse(r.body()).contains("00081198"));
}

TEST_F(PortalApi, FhirReadsAndSearchesWhatThePipelineKeeps) {
  start_portal();
  EXPECT_EQ(send(ris_order("R1", "P1", "ACC1")).code, "AA");
  const auto bundle = get_json("/fhir/ServiceRequest?identifier=ACC1");
  EXPECT_EQ(bundle["resourceType"], "Bundle");
  ASSERT_EQ(bundle["total"], 1);
  const auto order = bundle["entry"][0]["resource"];
  const std::string patient = order["subject"]["reference"];
  ASSERT_TRUE(patient.starts_with("Patient/"));
  const auto read = get_json("/fhir/" + patient);
  EXPECT_EQ(read["identifier"][0]["value"], "MRN1");
  EXPECT_EQ(get_json("/fhir/ServiceRequest?" + std::string("patient=") + patient)["total"], 1);
  EXPECT_EQ(get_json("/fhir/ServiceRequest?status=completed")["total"], 0);
  EXPECT_EQ(get_json("/fhir/ServiceRequest/" + order["id"].get<std::string>())["id"], order["id"]);
  const auto missing = call("GET", "/fhir/ServiceRequest/999");
  EXPECT_EQ(missing.result_int(), 404U);
  EXPECT_EQ(json::parse(missing.body())["resourceType"], "OperationOutcome");
  EXPECT_EQ(get_json("/fhir/metadata")["fhirVersion"], "4.0.1");
}

TEST_F(PortalApi, ReviewActionsAreRefusedWithTheCatalogueStatus) {
  start_portal();
  EXPECT_EQ(call("POST", "/review/999/link", R"({"order_id": 1, "actor": "alice"})").result_int(), 404U);
  EXPECT_EQ(call("POST", "/review/1/link", R"({"order_id": 1})").result_int(), 400U) << "who decides is required";
  EXPECT_EQ(call("POST", "/review/abc/link", R"({"order_id": 1, "actor": "a"})").result_int(), 400U);
  EXPECT_EQ(call("POST", "/review/1/frobnicate", R"({"actor": "a"})").result_int(), 404U);
  EXPECT_EQ(call("POST", "/review/1/reject", "not json").result_int(), 400U);
  EXPECT_EQ(get_json("/review?state=all")["items"].size(), 0U);
  EXPECT_EQ(call("GET", "/review?state=maybe").result_int(), 400U);
}

// The EHR refused a report until it was fixed; a person sends the dead letter again over HTTP,
// and it goes under its own control ID, audited with who did it.
TEST_F(PortalApi, ADeadLetterIsListedAndSentAgainOnRequest) {
  config_.outbox.max_refusals = 1;
  ehr_.reject = 1;
  start_portal();
  EXPECT_EQ(send(ris_order("R1", "P1", "ACC1")).code, "AA");
  EXPECT_EQ(send(oru("U1", "P1", "ACC1", "F", "Final.")).code, "AA");
  ASSERT_TRUE(eventually([&] { return pipeline_->stats().ehr.dead_letters == 1; }));
  const auto dead = get_json("/outbox?state=dead&destination=ehr")["messages"];
  ASSERT_EQ(dead.size(), 1U);
  const auto sequence = std::to_string(dead[0]["sequence"].get<std::int64_t>());
  EXPECT_EQ(dead[0]["last_error"], "answered AR");

  EXPECT_EQ(call("POST", "/outbox/" + sequence + "/retry", "{}").result_int(), 400U) << "who sends it is required";
  EXPECT_EQ(call("POST", "/outbox/9999/retry", R"({"actor": "alice"})").result_int(), 404U);
  EXPECT_EQ(call("POST", "/outbox/retry", R"({"actor": "alice"})").result_int(), 400U) << "?state=dead is required";
  const auto retried = call("POST", "/outbox/" + sequence + "/retry", R"({"actor": "alice"})");
  ASSERT_EQ(retried.result_int(), 200U) << retried.body();
  EXPECT_EQ(json::parse(retried.body())["requeued"].size(), 1U);
  ASSERT_TRUE(eventually([&] { return pipeline_->stats().ehr.delivered == 1; }));
  const auto got = ehr_.received();
  ASSERT_EQ(got.size(), 2U);
  EXPECT_EQ(got[0], got[1]) << "the same message under the same control ID";
  EXPECT_EQ(get_json("/outbox?state=delivered&destination=ehr")["messages"].size(), 1U);
  EXPECT_EQ(call("POST", "/outbox/" + sequence + "/retry", R"({"actor": "alice"})").result_int(), 409U)
      << "delivered: not a dead letter any more";
  EXPECT_EQ(json::parse(call("POST", "/outbox/retry?state=dead", R"({"actor": "bob"})").body())["requeued"].size(), 0U);
}

// With tokens, who did it is the token's holder: a body cannot name someone else instead. What
// the body says stays beside it.
TEST_F(PortalApi, WithATokenTheAuditNamesItsHolder) {
  config_.outbox.max_refusals = 1;
  ehr_.reject = 2;
  start_portal("the-reviewers-token");
  const std::vector<std::pair<std::string, std::string>> token{{"Authorization", "Bearer the-reviewers-token"}};
  EXPECT_EQ(send(ris_order("R1", "P1", "ACC1")).code, "AA");
  EXPECT_EQ(send(oru("U1", "P1", "ACC1", "F", "Final.")).code, "AA");
  ASSERT_TRUE(eventually([&] { return pipeline_->stats().ehr.dead_letters == 1; }));
  const auto sequence = std::to_string(
      json::parse(call("GET", "/outbox?state=dead", {}, token).body())["messages"][0]["sequence"].get<std::int64_t>());
  const auto claimed = call("POST", "/outbox/" + sequence + "/retry", R"({"actor": "mallory"})", token);
  ASSERT_EQ(claimed.result_int(), 200U) << claimed.body();
  EXPECT_NE(claimed.body().find("sent again by reviewer (as mallory)"), std::string::npos) << claimed.body();
  ASSERT_TRUE(eventually([&] { return pipeline_->stats().ehr.dead_letters == 2; }));
  const auto unnamed = call("POST", "/outbox/" + sequence + "/retry", "{}", token);
  ASSERT_EQ(unnamed.result_int(), 200U) << "the holder is enough: " << unnamed.body();
  EXPECT_NE(unnamed.body().find("sent again by reviewer;"), std::string::npos) << unnamed.body();
}

// A body is read only on a route that takes one, and only up to its size: announcing 64 MiB to
// a public path (served without a token) or to a GET is answered at once, before any of it comes.
TEST_F(PortalApi, ABodyIsTakenOnlyWhereARouteWantsOne) {
  start_portal("a-long-enough-token");
  for (const std::string head : {"POST / HTTP/1.1", "POST /console.js HTTP/1.1", "PUT /index.html HTTP/1.1"}) {
    testing::RawClient client(portal_->port());
    ASSERT_TRUE(client.write(head + "\r\nHost: 127.0.0.1\r\nContent-Length: 67108864\r\n\r\n"));
    const auto response = client.read_response();
    ASSERT_TRUE(response.has_value()) << head;
    EXPECT_EQ(response->result_int(), 413U) << head;
    EXPECT_NE(response->body().find("takes no body"), std::string::npos) << response->body();
  }
  const std::vector<std::pair<std::string, std::string>> token{{"Authorization", "Bearer a-long-enough-token"}};
  EXPECT_EQ(call("GET", "/health", "x", token).result_int(), 413U) << "a GET takes no body";
  EXPECT_EQ(call("POST", "/review/1/link", std::string(100'000, ' '), token).result_int(), 413U)
      << "a review decision is small JSON";
  EXPECT_EQ(call("POST", "/review/1/link", R"({"order_id": 1, "actor": "a"})", token).result_int(), 404U)
      << "and one that is small is read and answered";
}

TEST_F(PortalApi, WithATokenDataNeedsItAndTheConsoleDoesNot) {
  start_portal("s3cret-portal-token");
  EXPECT_EQ(call("GET", "/health").result_int(), 401U);
  EXPECT_EQ(call("GET", "/fhir/Patient").result_int(), 401U);
  const auto page = call("GET", "/");
  EXPECT_EQ(page.result_int(), 200U);
  EXPECT_NE(page.body().find("<html"), std::string::npos);
  const auto health = call("GET", "/health", {}, {{"Authorization", "Bearer s3cret-portal-token"}});
  EXPECT_EQ(health.result_int(), 200U);
  EXPECT_EQ(json::parse(health.body())["status"], "ok");
}

TEST_F(PortalApi, MetricsAreThePipelinesCountersInPrometheusText) {
  start_portal();
  EXPECT_EQ(send(ris_order("R1", "P1", "ACC1")).code, "AA");
  const auto r = call("GET", "/metrics");
  ASSERT_EQ(r.result_int(), 200U);
  EXPECT_NE(r.body().find("radloop_hl7_messages_total{outcome=\"accepted\"} 1"), std::string::npos) << r.body();
  EXPECT_NE(r.body().find("# TYPE radloop_review_open gauge"), std::string::npos);
  EXPECT_NE(r.body().find("radloop_dead_letters 0"), std::string::npos);
  EXPECT_TRUE(get_json("/alerts")["alerts"].empty()) << "an accessioned order without a report is not late";
}

}  // namespace
}  // namespace radloop::portal
