// The modality's worklist query against the reference archive: each chosen key narrows the
// answers as PS3.4 says, every field comes back, a failure status is an error, and a chosen item
// becomes the study to perform.
#include "simulators/modality/worklist_scu.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "reference/dicom/server.hpp"
#include "tests/cpp/dicom/store_fixture.hpp"
#include "tests/cpp/modality/study_fixture.hpp"

namespace radloop::modality {
namespace {

dicom::WorklistItem order(std::string accession, std::string patient_id, std::string modality, std::string date) {
  dicom::WorklistItem item;
  item.patient_id = std::move(patient_id);
  item.issuer_of_patient_id = "GENERAL";
  item.patient_name = "DOE^JANE";
  item.patient_birth_date = "19700412";
  item.patient_sex = "F";
  item.accession_number = std::move(accession);
  item.requested_procedure_id = "RP-" + item.accession_number;
  item.requested_procedure_description = "CHEST";
  item.requested_procedure_code = {"RPC-1", "99LOCAL", "Chest imaging"};
  item.study_instance_uid = "1.2.826.0.1.3680043.9.7433.4." + std::to_string(item.accession_number.size());
  item.referring_physician = "HOUSE^GREGORY";
  item.step.station_ae_title = modality + "_SCANNER_1";
  item.step.modality = std::move(modality);
  item.step.start_date = std::move(date);
  item.step.start_time = "093000";
  item.step.step_id = "SPS-" + item.accession_number;
  item.step.description = "Chest PA";
  item.step.performing_physician = "CURIE^MARIE";
  item.step.station_name = "ROOM 3";
  item.step.location = "EAST WING";
  return item;
}

std::vector<std::string> accessions(const std::vector<dicom::WorklistItem>& items) {
  std::vector<std::string> out;
  for (const auto& i : items) out.push_back(i.accession_number);
  std::sort(out.begin(), out.end());
  return out;
}

class WorklistScu : public ::testing::Test {
 protected:
  void SetUp() override {
    auto source = std::make_shared<dicom::InMemoryOrderSource>();
    source->add(order("ACC100", "MRN-1", "CT", "20260315"));
    source->add(order("ACC200", "MRN-2", "MR", "20260316"));
    source->add(order("ACC300", "MRN-1", "CT", "20260320"));
    dicom::ServerConfig config;
    config.order_source = source;
    config.storage_dir = (scratch_.path() / "archive").string();
    config.durability = dicom::ServerConfig::Durability::none;
    server_ = dicom::test_support::start_server(recorder_, std::move(config));
    target_.port = server_->port();
  }

  std::vector<std::string> found(const dicom::WorklistQuery& keys) {
    auto items = query_worklist(target_, keys);
    EXPECT_TRUE(items.ok()) << items.error().message();
    return items ? accessions(*items) : std::vector<std::string>{};
  }

  testing::ScratchDir scratch_;
  dicom::test_support::Recorder recorder_;
  std::unique_ptr<dicom::Server> server_;
  Target target_;
};

TEST_F(WorklistScu, EachKeyNarrowsTheAnswers) {
  using V = std::vector<std::string>;
  EXPECT_EQ(found({}), (V{"ACC100", "ACC200", "ACC300"}));
  dicom::WorklistQuery q;
  q.modality = "CT";
  EXPECT_EQ(found(q), (V{"ACC100", "ACC300"}));
  q = {};
  q.patient_id = "MRN-2";
  EXPECT_EQ(found(q), (V{"ACC200"}));
  q = {};
  q.start_date = "20260316-20260331";
  EXPECT_EQ(found(q), (V{"ACC200", "ACC300"}));
  q.modality = "CT";
  EXPECT_EQ(found(q), (V{"ACC300"}));
  q = {};
  q.accession_number = "ACC1*";
  EXPECT_EQ(found(q), (V{"ACC100"}));
  q = {};
  q.station_ae_title = "MR_SCANNER_1";
  EXPECT_EQ(found(q), (V{"ACC200"}));
  q = {};
  q.modality = "US";
  EXPECT_TRUE(found(q).empty());
}

TEST_F(WorklistScu, EveryFieldOfTheItemComesBack) {
  dicom::WorklistQuery q;
  q.accession_number = "ACC200";
  auto items = query_worklist(target_, q);
  ASSERT_TRUE(items.ok()) << items.error().message();
  ASSERT_EQ(items->size(), 1U);
  const auto& got = items->front();
  const auto want = order("ACC200", "MRN-2", "MR", "20260316");
  EXPECT_EQ(got.patient_id, want.patient_id);
  EXPECT_EQ(got.issuer_of_patient_id, want.issuer_of_patient_id);
  EXPECT_EQ(got.patient_name, want.patient_name);
  EXPECT_EQ(got.patient_birth_date, want.patient_birth_date);
  EXPECT_EQ(got.patient_sex, want.patient_sex);
  EXPECT_EQ(got.requested_procedure_id, want.requested_procedure_id);
  EXPECT_EQ(got.requested_procedure_description, want.requested_procedure_description);
  EXPECT_EQ(got.requested_procedure_code.value, "RPC-1");
  EXPECT_EQ(got.requested_procedure_code.scheme, "99LOCAL");
  EXPECT_EQ(got.requested_procedure_code.meaning, "Chest imaging");
  EXPECT_EQ(got.study_instance_uid, want.study_instance_uid);
  EXPECT_EQ(got.referring_physician, want.referring_physician);
  EXPECT_EQ(got.step.station_ae_title, "MR_SCANNER_1");
  EXPECT_EQ(got.step.modality, "MR");
  EXPECT_EQ(got.step.start_date, "20260316");
  EXPECT_EQ(got.step.start_time, "093000");
  EXPECT_EQ(got.step.step_id, "SPS-ACC200");
  EXPECT_EQ(got.step.description, "Chest PA");
  EXPECT_EQ(got.step.performing_physician, "CURIE^MARIE");
  EXPECT_EQ(got.step.station_name, "ROOM 3");
  EXPECT_EQ(got.step.location, "EAST WING");
}

TEST_F(WorklistScu, AMalformedKeyIsTheArchivesFailureStatus) {
  dicom::WorklistQuery q;
  q.start_date = "2026-03-16-2026";
  const auto items = query_worklist(target_, q);
  ASSERT_FALSE(items.ok());
  EXPECT_EQ(items.error().code, Errc::dicom_dimse_failed);
  EXPECT_NE(items.error().message().find("answered 0x"), std::string::npos) << items.error().message();
}

TEST_F(WorklistScu, AWrongCalledAeIsARejection) {
  target_.called_ae = "NOBODY";
  const auto items = query_worklist(target_, {});
  ASSERT_FALSE(items.ok());
  EXPECT_EQ(items.error().code, Errc::dicom_association_rejected);
  EXPECT_NE(items.error().message().find("Called AE Title Not Recognized"), std::string::npos)
      << items.error().message();
}

// The archive turns the association away when it accepts none of its contexts, and says which
// context it refused.
TEST(WorklistScuWithoutService, AnArchiveWithoutAWorklistTurnsTheQueryAway) {
  testing::ScratchDir scratch;
  dicom::test_support::Recorder recorder;
  dicom::ServerConfig config;
  config.storage_dir = (scratch.path() / "archive").string();
  config.durability = dicom::ServerConfig::Durability::none;
  auto server = dicom::test_support::start_server(recorder, std::move(config));
  Target target;
  target.port = server->port();
  const auto items = query_worklist(target, {});
  ASSERT_FALSE(items.ok());
  EXPECT_EQ(items.error().code, Errc::dicom_association_rejected) << items.error().message();
  server->stop();
  const auto refused = recorder.of(dicom::AssociationEvent::Kind::context_rejected);
  ASSERT_EQ(refused.size(), 1U);
  EXPECT_NE(refused[0].reason.find("Worklist"), std::string::npos) << refused[0].reason;
}

}  // namespace
}  // namespace radloop::modality
