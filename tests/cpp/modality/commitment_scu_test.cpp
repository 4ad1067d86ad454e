// The modality's Storage Commitment requester against the reference archive: a synthesized study
// goes in with DCMTK's storescu, then commitment is asked for and the report read, on the same
// association or on one the archive opens back to the modality.
#include "simulators/modality/commitment_scu.hpp"

#include <gtest/gtest.h>

#include "reference/dicom/server.hpp"
#include "simulators/modality/study.hpp"
#include "tests/cpp/dicom/store_fixture.hpp"
#include "tests/cpp/modality/peer_fixture.hpp"
#include "tests/cpp/modality/study_fixture.hpp"

namespace radloop::modality {
namespace {

using dicom::AssociationEvent;
using testing::ScratchDir;

using testing::free_port;

class CommitmentScu : public ::testing::Test {
 protected:
  void start(dicom::ServerConfig config) {
    config.storage_dir = (storage_.path() / "archive").string();
    server_ = dicom::test_support::start_server(recorder_, std::move(config));
  }

  // Synthesizes a CT study of a few instances and stores it with storescu; returns its references.
  std::vector<dicom::SopReference> store_study() {
    auto spec = testing::sample_spec(Modality::ct);
    spec.instances_per_series = 3;
    auto study = synthesize_study(spec, work_.path() / "study");
    EXPECT_TRUE(study.ok());
    std::vector<std::string> args{
        "storescu", "-aet", "MODALITY", "-aec", "RADLOOP", "127.0.0.1", std::to_string(server_->port())};
    std::vector<dicom::SopReference> refs;
    for (const auto& i : *study) {
      args.push_back(i.path.string());
      refs.push_back({i.sop_class_uid, i.sop_instance_uid});
    }
    EXPECT_EQ(dicom::test_support::run_tool(args), 0);
    return refs;
  }

  CommitmentRequest asking_for(std::vector<dicom::SopReference> refs) const {
    CommitmentRequest request;
    request.target.port = server_->port();
    request.target.calling_ae = "MODALITY";
    request.instances = std::move(refs);
    request.transaction_uid = "1.2.826.0.1.3680043.9.7433.77";
    return request;
  }

  ScratchDir storage_, work_;
  dicom::test_support::Recorder recorder_;
  std::unique_ptr<dicom::Server> server_;
};

TEST_F(CommitmentScu, ReadsTheReportOnTheSameAssociation) {
  start({});
  auto refs = store_study();
  const dicom::SopReference missing{refs[0].sop_class_uid, "1.2.826.0.1.3680043.9.7433.77.404"};
  refs.push_back(missing);
  const auto outcome = request_commitment(asking_for(refs));
  ASSERT_TRUE(outcome.ok()) << outcome.error().message();
  EXPECT_EQ(outcome->action_status, 0);
  ASSERT_TRUE(outcome->reported);
  EXPECT_EQ(outcome->event_type_id, 2);
  EXPECT_EQ(outcome->report.transaction_uid, "1.2.826.0.1.3680043.9.7433.77");
  EXPECT_EQ(outcome->report.committed.size(), refs.size() - 1);
  ASSERT_EQ(outcome->report.failed.size(), 1U);
  EXPECT_EQ(outcome->report.failed[0].instance.sop_instance_uid, missing.sop_instance_uid);
  EXPECT_EQ(outcome->report.failed[0].reason, dicom::commitment_failure::no_such_object_instance);
}

TEST_F(CommitmentScu, ReceivesTheReportOnANewAssociationFromTheArchive) {
  const auto listen_port = free_port();
  dicom::ServerConfig config;
  config.commitment_reply = dicom::ServerConfig::CommitmentReply::new_association;
  config.commitment_peers.push_back({"MODALITY", "127.0.0.1", listen_port});
  start(config);
  const auto refs = store_study();
  auto request = asking_for(refs);
  request.listen_port = listen_port;
  const auto outcome = request_commitment(request);
  ASSERT_TRUE(outcome.ok()) << outcome.error().message();
  ASSERT_TRUE(outcome->reported);
  EXPECT_EQ(outcome->event_type_id, 1);
  EXPECT_EQ(outcome->report.committed.size(), refs.size());
  EXPECT_TRUE(outcome->report.failed.empty());
  server_->stop();
  EXPECT_EQ(server_->stats().commitment_reports_sent, 1U);
  const auto events = recorder_.of(AssociationEvent::Kind::storage_commitment);
  ASSERT_EQ(events.size(), 1U);
  EXPECT_NE(events[0].reason.find("new association to MODALITY"), std::string::npos) << events[0].reason;
}

// A modality that waits for a call-back the archive never makes (it answers on the association the
// modality already released) gets no report; the archive's event says the report could not go.
TEST_F(CommitmentScu, GetsNoReportWhenTheArchiveAnswersOnAReleasedAssociation) {
  start({});
  auto request = asking_for(store_study());
  request.listen_port = free_port();
  request.target.timeout = std::chrono::seconds(2);
  const auto outcome = request_commitment(request);
  ASSERT_TRUE(outcome.ok()) << outcome.error().message();
  EXPECT_EQ(outcome->action_status, 0);
  EXPECT_FALSE(outcome->reported);
  server_->stop();
  EXPECT_EQ(server_->stats().commitment_reports_sent, 0U);
  const auto events = recorder_.of(AssociationEvent::Kind::storage_commitment);
  ASSERT_EQ(events.size(), 1U);
  EXPECT_NE(events[0].reason.find("could not be sent"), std::string::npos) << events[0].reason;
}

// An archive that offers nothing the association asks for rejects it outright.
TEST_F(CommitmentScu, ReportsAnArchiveWithoutStorageCommitmentAsAnError) {
  dicom::ServerConfig config;  // no storage: the service is not offered
  auto server = dicom::Server::start(config);
  ASSERT_TRUE(server.ok());
  CommitmentRequest request;
  request.target.port = (*server)->port();
  request.instances.push_back({"1.2.840.10008.5.1.4.1.1.2", "1.2.3"});
  const auto outcome = request_commitment(request);
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.error().code, Errc::dicom_association_rejected);
}

}  // namespace
}  // namespace radloop::modality
