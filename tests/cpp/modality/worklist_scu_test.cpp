// The modality's worklist query against the reference archive: each chosen key narrows the
// answers as PS3.4 says, every field comes back, a failure status is an error, and a chosen item
// becomes the study to perform.
#include "simulators/modality/worklist_scu.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <thread>
#include <tuple>

#include "reference/dicom/server.hpp"
#include "tests/cpp/dicom/store_fixture.hpp"
#include "tests/cpp/modality/peer_fixture.hpp"
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

// DCMTK's file-based worklist server answers the same query: two .wl files made with dump2dcm,
// one matching the keys; every field of the match comes back, the name read from the items'
// ISO_IR 100 (Latin-1) into UTF-8.
TEST(WorklistScuInterop, DcmtkWlmscpfsAnswersTheKeys) {
  testing::ScratchDir scratch;
  const auto dir = scratch.path() / "worklists" / "WLSCP";
  std::filesystem::create_directories(dir);
  for (const auto& [name, accession, modality] : {std::tuple{"ct", "ACC555", "CT"}, std::tuple{"mr", "ACC777", "MR"}}) {
    const auto dump = dir / (std::string(name) + ".dump");
    std::ofstream(dump) << "(0008,0005) CS [ISO_IR 100]\n(0008,0050) SH [" << accession
                        << "]\n(0010,0010) PN [M\xDCLLER^ANNE]\n(0010,0020) LO [MRN555]\n"
                           "(0010,0030) DA [19800101]\n(0010,0040) CS [F]\n"
                           "(0020,000d) UI [1.2.826.0.1.3680043.9.7433.55.1]\n(0032,1060) LO [HEAD]\n"
                           "(0040,0100) SQ\n(fffe,e000) -\n(0008,0060) CS ["
                        << modality
                        << "]\n(0040,0001) AE [SCANNER_1]\n(0040,0002) DA [20260301]\n"
                           "(0040,0003) TM [090000]\n(0040,0007) LO [HEAD PLAIN]\n(0040,0009) SH [SPS555]\n"
                           "(0040,0010) SH [ROOM 2]\n(fffe,e00d) -\n(fffe,e0dd) -\n(0040,1001) SH [RP555]\n";
    const auto command = "dump2dcm " + dump.string() + " " + (dir / (std::string(name) + ".wl")).string();
    ASSERT_EQ(std::system(command.c_str()), 0) << command;
    std::filesystem::remove(dump);
  }
  std::ofstream(dir / "lockfile") << "";
  const auto port = testing::free_port();
  // -csk: it declares the files' character set in its answers (by default it declares none).
  const testing::PeerProcess scp(
      {"wlmscpfs", "-csk", "-dfp", (scratch.path() / "worklists").string(), std::to_string(port)});
  Target target;
  target.port = port;
  target.called_ae = "WLSCP";
  dicom::WorklistQuery keys;
  keys.modality = "CT";
  keys.start_date = "20260201-20260331";
  Result<std::vector<dicom::WorklistItem>> items = Error{};
  for (int attempt = 0; attempt < 100 && !items.ok(); ++attempt) {  // wlmscpfs needs a moment to listen
    items = query_worklist(target, keys);
    if (!items.ok()) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  keys.start_date = "20260401-";
  const auto later = query_worklist(target, keys);
  ASSERT_TRUE(items.ok()) << items.error().message();
  ASSERT_EQ(items->size(), 1U);
  const auto& item = items->front();
  EXPECT_EQ(item.accession_number, "ACC555");
  EXPECT_EQ(item.patient_id, "MRN555");
  EXPECT_EQ(item.patient_name, "M\xC3\x9CLLER^ANNE");  // MÜLLER^ANNE
  EXPECT_EQ(item.requested_procedure_id, "RP555");
  EXPECT_EQ(item.step.modality, "CT");
  EXPECT_EQ(item.step.station_ae_title, "SCANNER_1");
  EXPECT_EQ(item.step.step_id, "SPS555");
  EXPECT_EQ(item.step.description, "HEAD PLAIN");
  EXPECT_EQ(item.step.station_name, "ROOM 2");
  ASSERT_TRUE(later.ok()) << later.error().message();
  EXPECT_TRUE(later->empty());
}

}  // namespace
}  // namespace radloop::modality
