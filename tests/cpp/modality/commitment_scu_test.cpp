// The modality's Storage Commitment requester against the reference archive: a synthesized study
// goes in with DCMTK's storescu, then commitment is asked for and the report read, on the same
// association or on one the archive opens back to the modality.
#include "simulators/modality/commitment_scu.hpp"

#include <gtest/gtest.h>

#include <mutex>
#include <optional>
#include <thread>
#include <tuple>

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

// What the archive asked its keeper to do: reports kept, then settled.
struct Keeper {
  std::mutex mutex;
  std::vector<dicom::OwedReport> kept;
  std::vector<std::tuple<std::int64_t, bool, std::string>> settled;
  bool refuse = false;

  dicom::CommitmentSink sink() {
    return {[this](const dicom::OwedReport& owed) -> Result<std::int64_t> {
              std::lock_guard lock(mutex);
              if (refuse) return Error{Errc::store_failed, "keeper", "the disk is full"};
              kept.push_back(owed);
              return static_cast<std::int64_t>(100 + kept.size());
            },
            [this](std::int64_t id, bool answered, const std::string& outcome) -> Result<void> {
              std::lock_guard lock(mutex);
              settled.emplace_back(id, answered, outcome);
              return {};
            }};
  }
  std::size_t settled_count() {
    std::lock_guard lock(mutex);
    return settled.size();
  }
};

// A report an earlier run owed `peer_port`, owed since `ago`.
dicom::OwedReport owed_report(std::int64_t id, std::uint16_t peer_port, const std::string& transaction,
                              std::chrono::hours ago = std::chrono::hours(0)) {
  dicom::OwedReport owed;
  owed.id = id;
  owed.peer = {"MODALITY", "127.0.0.1", peer_port};
  owed.report.transaction_uid = transaction;
  owed.owed_since_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>((std::chrono::system_clock::now() - ago).time_since_epoch())
          .count();
  return owed;
}

dicom::ReportRetry quick_retry() {
  return {std::chrono::milliseconds(100), std::chrono::milliseconds(300), std::chrono::hours(1)};
}

// The requester is not listening when the archive first calls back: the report is kept before the
// N-ACTION is answered, tried again with backoff, and delivered once the requester listens.
TEST_F(CommitmentScu, TriesAReportAgainUntilTheRequesterListens) {
  const auto listen_port = free_port();
  Keeper keeper;
  dicom::ServerConfig config;
  config.commitment_reply = dicom::ServerConfig::CommitmentReply::new_association;
  config.commitment_peers.push_back({"MODALITY", "127.0.0.1", listen_port});
  config.commitment_sink = keeper.sink();
  config.report_retry = quick_retry();
  start(config);
  const auto refs = store_study();
  auto request = asking_for(refs);
  request.listen_port = free_port();  // not where the archive calls: the first calls fail
  request.target.timeout = std::chrono::seconds(1);
  const auto asked = request_commitment(request);
  ASSERT_TRUE(asked.ok()) << asked.error().message();
  EXPECT_EQ(asked->action_status, 0);
  EXPECT_FALSE(asked->reported);
  {
    std::lock_guard lock(keeper.mutex);
    ASSERT_EQ(keeper.kept.size(), 1U) << "kept before the N-ACTION was answered";
    EXPECT_EQ(keeper.kept[0].report.transaction_uid, request.transaction_uid);
    EXPECT_EQ(keeper.kept[0].peer.port, listen_port);
    EXPECT_TRUE(keeper.settled.empty()) << "not settled while the requester cannot be reached";
  }
  const auto got =
      await_commitment_report({"MODALITY", listen_port, request.transaction_uid, std::chrono::seconds(20)});
  ASSERT_TRUE(got.ok()) << got.error().message();
  ASSERT_TRUE(got->has_value()) << "the report never came";
  EXPECT_EQ((*got)->report.committed.size(), refs.size());
  for (int i = 0; i < 200 && keeper.settled_count() == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  server_->stop();
  {
    std::lock_guard lock(keeper.mutex);
    ASSERT_EQ(keeper.settled.size(), 1U);
    EXPECT_EQ(std::get<0>(keeper.settled[0]), 101);
    EXPECT_TRUE(std::get<1>(keeper.settled[0]));
    EXPECT_NE(std::get<2>(keeper.settled[0]).find("answered 0x0000"), std::string::npos)
        << std::get<2>(keeper.settled[0]);
  }
  EXPECT_EQ(server_->stats().commitment_reports_sent, 1U);
  const auto events = recorder_.of(AssociationEvent::Kind::storage_commitment);
  ASSERT_EQ(events.size(), 1U);
  EXPECT_EQ(events[0].reason.find("attempt 1)"), std::string::npos)
      << "delivered on a later attempt: " << events[0].reason;
}

// A report the last run owed is sent at start and settled once answered.
TEST_F(CommitmentScu, SendsAtStartTheReportsAnEarlierRunOwed) {
  const auto listen_port = free_port();
  Keeper keeper;
  dicom::ServerConfig config;
  config.commitment_reply = dicom::ServerConfig::CommitmentReply::new_association;
  config.commitment_sink = keeper.sink();
  auto owed = owed_report(7, listen_port, "1.2.826.0.1.3680043.9.7433.78");
  owed.report.committed = {{"1.2.840.10008.5.1.4.1.1.2", "1.2.3.1"}};
  owed.report.failed = {{{"1.2.840.10008.5.1.4.1.1.2", "1.2.3.2"}, dicom::commitment_failure::no_such_object_instance}};
  config.owed_reports = {owed};
  config.report_retry = quick_retry();
  std::optional<Result<std::optional<ReceivedReport>>> got;
  std::thread listening([&] {
    got = await_commitment_report({"MODALITY", listen_port, owed.report.transaction_uid, std::chrono::seconds(20)});
  });
  start(config);
  listening.join();
  ASSERT_TRUE(got && got->ok());
  ASSERT_TRUE((*got)->has_value());
  EXPECT_EQ((**got)->event_type_id, 2);
  EXPECT_EQ((**got)->report.failed.size(), 1U);
  for (int i = 0; i < 200 && keeper.settled_count() == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  server_->stop();
  std::lock_guard lock(keeper.mutex);
  ASSERT_EQ(keeper.settled.size(), 1U);
  EXPECT_EQ(std::get<0>(keeper.settled[0]), 7);
  EXPECT_TRUE(std::get<1>(keeper.settled[0]));
}

// Owed past give_up_after and still unreachable: given up, settled so, and said in an event.
TEST_F(CommitmentScu, GivesUpAReportOwedLongerThanItsLimit) {
  Keeper keeper;
  dicom::ServerConfig config;
  config.commitment_reply = dicom::ServerConfig::CommitmentReply::new_association;
  config.commitment_sink = keeper.sink();
  auto owed = owed_report(9, free_port(), "1.2.826.0.1.3680043.9.7433.79", std::chrono::hours(2));  // nobody listens
  config.owed_reports = {owed};
  config.report_retry = quick_retry();  // gives up after an hour
  start(config);
  for (int i = 0; i < 500 && keeper.settled_count() == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  server_->stop();
  std::lock_guard lock(keeper.mutex);
  ASSERT_EQ(keeper.settled.size(), 1U);
  EXPECT_EQ(std::get<0>(keeper.settled[0]), 9);
  EXPECT_FALSE(std::get<1>(keeper.settled[0]));
  EXPECT_NE(std::get<2>(keeper.settled[0]).find("given up"), std::string::npos) << std::get<2>(keeper.settled[0]);
  const auto events = recorder_.of(AssociationEvent::Kind::storage_commitment);
  ASSERT_EQ(events.size(), 1U);
  EXPECT_NE(events[0].reason.find("given up"), std::string::npos) << events[0].reason;
  EXPECT_EQ(server_->stats().commitment_reports_sent, 0U);
}

// A requester that answers "processing failure" (here: a listener waiting for another
// transaction) has not taken the report: it is tried again, and settled once taken.
TEST_F(CommitmentScu, TriesAgainAReportTheRequesterCouldNotTake) {
  const auto listen_port = free_port();
  Keeper keeper;
  dicom::ServerConfig config;
  config.commitment_reply = dicom::ServerConfig::CommitmentReply::new_association;
  config.commitment_sink = keeper.sink();
  auto owed = owed_report(11, listen_port, "1.2.826.0.1.3680043.9.7433.80");
  config.owed_reports = {owed};
  config.report_retry = quick_retry();
  std::optional<Result<std::optional<ReceivedReport>>> other;
  std::thread waiting_for_another([&] {
    other = await_commitment_report({"MODALITY", listen_port, "1.2.3.4.5.6", std::chrono::seconds(2)});
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // listening before the first call
  start(config);
  waiting_for_another.join();
  ASSERT_TRUE(other && other->ok());
  EXPECT_FALSE((*other)->has_value()) << "not the transaction it waited for";
  EXPECT_EQ(keeper.settled_count(), 0U) << "answered 0x0110: still owed";
  const auto got =
      await_commitment_report({"MODALITY", listen_port, owed.report.transaction_uid, std::chrono::seconds(20)});
  ASSERT_TRUE(got.ok() && got->has_value());
  for (int i = 0; i < 200 && keeper.settled_count() == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  server_->stop();
  std::lock_guard lock(keeper.mutex);
  ASSERT_EQ(keeper.settled.size(), 1U);
  EXPECT_TRUE(std::get<1>(keeper.settled[0]));
  EXPECT_NE(std::get<2>(keeper.settled[0]).find("answered 0x0000"), std::string::npos)
      << std::get<2>(keeper.settled[0]);
}

// Stopping does not wait on an unreachable requester for a report that is kept: it stays owed
// (nothing settled) for the next start, and the event says so.
TEST_F(CommitmentScu, LeavesAKeptReportOwedAtStop) {
  Keeper keeper;
  dicom::ServerConfig config;
  config.commitment_reply = dicom::ServerConfig::CommitmentReply::new_association;
  config.commitment_sink = keeper.sink();
  auto owed = owed_report(13, free_port(), "1.2.826.0.1.3680043.9.7433.81");  // nobody listens
  config.owed_reports = {owed};
  config.report_retry = quick_retry();
  start(config);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // a few failed tries
  server_->stop();
  EXPECT_EQ(keeper.settled_count(), 0U);
  const auto events = recorder_.of(AssociationEvent::Kind::storage_commitment);
  ASSERT_EQ(events.size(), 1U);
  EXPECT_NE(events[0].reason.find("still owed at stop"), std::string::npos) << events[0].reason;
}

// A report that cannot be kept is not promised: the N-ACTION is refused with 0x0110.
TEST_F(CommitmentScu, RefusesTheRequestWhenItsReportCannotBeKept) {
  Keeper keeper;
  keeper.refuse = true;
  dicom::ServerConfig config;
  config.commitment_reply = dicom::ServerConfig::CommitmentReply::new_association;
  config.commitment_peers.push_back({"MODALITY", "127.0.0.1", free_port()});
  config.commitment_sink = keeper.sink();
  start(config);
  auto request = asking_for(store_study());
  request.listen_port = free_port();
  request.target.timeout = std::chrono::seconds(1);
  const auto asked = request_commitment(request);
  ASSERT_TRUE(asked.ok()) << asked.error().message();
  EXPECT_EQ(asked->action_status, 0x0110);
  EXPECT_FALSE(asked->reported);
  server_->stop();
  EXPECT_EQ(server_->stats().commitment_requests, 0U);
  const auto events = recorder_.of(AssociationEvent::Kind::storage_commitment);
  ASSERT_EQ(events.size(), 1U);
  EXPECT_NE(events[0].reason.find("could not be kept"), std::string::npos) << events[0].reason;
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
