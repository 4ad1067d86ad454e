// Endpoints files: what they say, and what a bad one gets told (file, line, key).
#include "harness/endpoints.hpp"

#include <gtest/gtest.h>

namespace radloop::harness {
namespace {

TEST(Endpoints, ReadsTheExampleShippedWithRadloop) {
  auto e = load_endpoints(std::string(RADLOOP_SOURCE_DIR) + "/harness/endpoints.example.yaml");
  ASSERT_TRUE(e.ok()) << e.error().message();
  EXPECT_EQ(e->name, "my archive");
  EXPECT_EQ(e->address.mllp_port, 2575);
  EXPECT_EQ(e->address.dicom_port, 11112);
  EXPECT_EQ(e->address.ae_title, "ARCHIVE");
  EXPECT_EQ(e->ris_listen_port, 2600);
  EXPECT_EQ(e->ehr_listen_port, 2601);
  EXPECT_TRUE(e->c_find);
  EXPECT_TRUE(e->radloop_api.empty());
}

TEST(Endpoints, ReadsAQidoRsBaseWithoutItsTrailingSlash) {
  auto e = parse_endpoints(
      "hl7: {port: 2575}\ndicom: {port: 104, ae_title: PACS}\n"
      "observe: {qido_rs: 'http://pacs:8042/dicom-web/'}\n");
  ASSERT_TRUE(e.ok()) << e.error().message();
  EXPECT_EQ(e->qido_rs, "http://pacs:8042/dicom-web");
}

TEST(Endpoints, SaysWhereABadFileIsWrong) {
  const auto refused = [](const std::string& text) {
    auto e = parse_endpoints(text, "sut.yaml");
    EXPECT_FALSE(e.ok()) << text;
    return e.ok() ? std::string() : e.error().where + ": " + e.error().detail;
  };
  const std::string good_dicom = "dicom: {port: 104, ae_title: PACS}\n";
  EXPECT_NE(refused(good_dicom).find("hl7"), std::string::npos);
  EXPECT_NE(refused("hl7: {port: 0}\n" + good_dicom).find("sut.yaml:1: hl7.port"), std::string::npos);
  EXPECT_NE(refused("hl7: {port: 2575}\ndicom: {port: 104}\n").find("ae_title"), std::string::npos);
  EXPECT_NE(refused("hl7: {port: 2575}\n" + good_dicom + "colour: red\n").find("colour"), std::string::npos);
  EXPECT_NE(refused("hl7: {port: 2575}\n" + good_dicom + "observe: {radloop_api: ftp://x}\n").find("http://"),
            std::string::npos);
  EXPECT_NE(refused("hl7: {port: 2575}\n" + good_dicom + "observe: {qido_rs: dicom-web}\n").find("observe.qido_rs"),
            std::string::npos);
  EXPECT_NE(refused("hl7: {host: a, port: 2575}\ndicom: {host: b, port: 104, ae_title: P}\n").find("same host"),
            std::string::npos);
}

TEST(Endpoints, AnExternalSystemWithNothingToObserveSaysSoInsteadOfPassing) {
  auto e = parse_endpoints("hl7: {port: 2575}\ndicom: {port: 104, ae_title: PACS}\n").value();
  auto system = external_system(e);
  auto study = system->find_study("1.2.3");
  ASSERT_FALSE(study.ok());
  EXPECT_EQ(study.error().code, Errc::not_observable);
  EXPECT_EQ(system->has_inbound("EHR^GENERAL", "1").error().code, Errc::not_observable);
}

}  // namespace
}  // namespace radloop::harness
