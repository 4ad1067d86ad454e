// The modality's MPPS user against the reference archive over real associations: the state
// rules seen from the wire, the events and the steps the archive ends up holding.
#include "simulators/modality/mpps_scu.hpp"

#include <gtest/gtest.h>

#include "reference/dicom/server.hpp"
#include "tests/cpp/dicom/store_fixture.hpp"
#include "tests/cpp/modality/study_fixture.hpp"

namespace radloop::modality {
namespace {

using dicom::AssociationEvent;
using Status = dicom::PerformedProcedureStep::Status;

class MppsScu : public ::testing::Test {
 protected:
  void SetUp() override {
    dicom::ServerConfig config;
    config.mpps_observer = [this](const dicom::PerformedProcedureStep& s) {
      std::lock_guard lock(recorder_.mutex);
      observed_.push_back(s);
    };
    server_ = dicom::test_support::start_server(recorder_, config);
    target_.port = server_->port();
    spec_ = testing::sample_spec(Modality::ct);
    auto study = synthesize_study(spec_, scratch_.path());
    ASSERT_TRUE(study.ok());
    step_ = performed_step(spec_, *study);
  }

  dicom::PerformedProcedureStep ended(Status status, std::string reason = {}) const {
    auto s = step_;
    s.status = status;
    s.end_date = spec_.study_date;
    s.end_time = "123000";
    s.discontinuation_reason = std::move(reason);
    return s;
  }

  std::vector<AssociationEvent> mpps_events() {
    server_->stop();
    return recorder_.of(AssociationEvent::Kind::mpps);
  }

  testing::ScratchDir scratch_;
  dicom::test_support::Recorder recorder_;
  std::vector<dicom::PerformedProcedureStep> observed_;
  std::unique_ptr<dicom::Server> server_;
  Target target_;
  StudySpec spec_;
  dicom::PerformedProcedureStep step_;
};

TEST_F(MppsScu, CreatesAndCompletesAStepListingWhatWasPerformed) {
  const auto created = mpps_create(target_, step_);
  ASSERT_TRUE(created.ok()) << created.error().message();
  EXPECT_EQ(created->status, 0);
  EXPECT_EQ(created->sop_instance_uid, step_.sop_instance_uid);
  const auto set = mpps_set(target_, ended(Status::completed));
  ASSERT_TRUE(set.ok()) << set.error().message();
  EXPECT_EQ(set->status, 0) << set->error_comment;

  const auto steps = server_->performed_steps();
  ASSERT_EQ(steps.size(), 1U);
  EXPECT_EQ(steps[0].status, Status::completed);
  EXPECT_EQ(steps[0].accession_number, spec_.order.accession_number);
  EXPECT_EQ(steps[0].patient_id, spec_.patient.id);
  EXPECT_EQ(steps[0].calling_ae, "MODALITY");
  EXPECT_EQ(steps[0].series.size(), step_.series.size());
  EXPECT_EQ(steps[0].instance_count(), step_.instance_count());
  EXPECT_EQ(steps[0].series[0].instances[0].sop_instance_uid, step_.series[0].instances[0].sop_instance_uid);

  const auto events = mpps_events();
  ASSERT_EQ(events.size(), 2U);
  EXPECT_NE(events[0].reason.find("N-CREATE of " + step_.sop_instance_uid + ": IN PROGRESS"), std::string::npos)
      << events[0].reason;
  EXPECT_NE(events[1].reason.find("IN PROGRESS -> COMPLETED"), std::string::npos) << events[1].reason;
  EXPECT_NE(events[1].reason.find(std::to_string(step_.instance_count()) + " instances"), std::string::npos)
      << events[1].reason;
  EXPECT_NE(events[1].reason.find(step_.series[0].instances[0].sop_instance_uid), std::string::npos)
      << events[1].reason;
  ASSERT_EQ(observed_.size(), 2U);
  EXPECT_EQ(observed_[1].status, Status::completed);
  EXPECT_EQ(server_->stats().mpps_created, 1U);
  EXPECT_EQ(server_->stats().mpps_updated, 1U);
}

TEST_F(MppsScu, DiscontinuesWithItsReason) {
  ASSERT_EQ(mpps_create(target_, step_)->status, 0);
  const auto set = mpps_set(target_, ended(Status::discontinued, "Patient refused to continue procedure"));
  ASSERT_TRUE(set.ok());
  EXPECT_EQ(set->status, 0) << set->error_comment;
  const auto steps = server_->performed_steps();
  ASSERT_EQ(steps.size(), 1U);
  EXPECT_EQ(steps[0].status, Status::discontinued);
  EXPECT_EQ(steps[0].discontinuation_reason, "Patient refused to continue procedure");
  const auto events = mpps_events();
  ASSERT_EQ(events.size(), 2U);
  EXPECT_NE(events[1].reason.find("-> DISCONTINUED (Patient refused to continue procedure)"), std::string::npos)
      << events[1].reason;
}

TEST_F(MppsScu, ANSetAfterCompletionIsRefusedWithTheStandardsComment) {
  ASSERT_EQ(mpps_create(target_, step_)->status, 0);
  ASSERT_EQ(mpps_set(target_, ended(Status::completed))->status, 0);
  const auto again = mpps_set(target_, ended(Status::discontinued, "Equipment failure"));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->status, 0x0110);
  EXPECT_NE(again->error_comment.find("may no longer be updated"), std::string::npos) << again->error_comment;
  EXPECT_EQ(server_->performed_steps()[0].status, Status::completed);
  const auto events = mpps_events();
  ASSERT_EQ(events.size(), 3U);
  EXPECT_NE(events[2].reason.find("refused with 0x0110"), std::string::npos) << events[2].reason;
  EXPECT_EQ(server_->stats().mpps_refused, 1U);
}

TEST_F(MppsScu, ANSetOnAStepNeverCreatedIsNoSuchInstance) {
  const auto set = mpps_set(target_, ended(Status::completed));
  ASSERT_TRUE(set.ok());
  EXPECT_EQ(set->status, 0x0112);
  EXPECT_TRUE(server_->performed_steps().empty());
}

TEST_F(MppsScu, RefusesADuplicateAndACreateThatIsAlreadyComplete) {
  ASSERT_EQ(mpps_create(target_, step_)->status, 0);
  EXPECT_EQ(mpps_create(target_, step_)->status, 0x0111);
  auto finished = ended(Status::completed);
  finished.sop_instance_uid = "1.2.826.0.1.3680043.9.7433.88.2";
  EXPECT_EQ(mpps_create(target_, finished)->status, 0x0106);
  auto anonymous = step_;
  anonymous.sop_instance_uid = "1.2.826.0.1.3680043.9.7433.88.3";
  anonymous.performed_procedure_step_id.clear();
  const auto missing = mpps_create(target_, anonymous);
  EXPECT_EQ(missing->status, 0x0121);
  EXPECT_NE(missing->error_comment.find("Performed Procedure Step ID"), std::string::npos) << missing->error_comment;
  EXPECT_EQ(server_->performed_steps().size(), 1U);
}

TEST_F(MppsScu, TheArchiveNamesAStepCreatedWithoutAUid) {
  auto unnamed = step_;
  unnamed.sop_instance_uid.clear();
  const auto created = mpps_create(target_, unnamed);
  ASSERT_TRUE(created.ok());
  EXPECT_EQ(created->status, 0);
  ASSERT_FALSE(created->sop_instance_uid.empty());
  auto named = ended(Status::completed);
  named.sop_instance_uid = created->sop_instance_uid;
  EXPECT_EQ(mpps_set(target_, named)->status, 0);
}

TEST(MppsScuWithoutService, ReportsAnArchiveThatDoesNotOfferMpps) {
  dicom::ServerConfig config;
  config.offer_mpps = false;
  auto server = dicom::Server::start(config);
  ASSERT_TRUE(server.ok());
  Target target;
  target.port = (*server)->port();
  const auto created = mpps_create(target, dicom::PerformedProcedureStep{});
  ASSERT_FALSE(created.ok());
  EXPECT_EQ(created.error().code, Errc::dicom_association_rejected);
}

}  // namespace
}  // namespace radloop::modality
