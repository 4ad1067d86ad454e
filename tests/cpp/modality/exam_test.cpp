// Whole exams against the reference archive with its worklist: each fault produces what a real
// receiver would see, and the archive reports it; the modality's log keeps the ground truth.
#include "simulators/modality/exam.hpp"

#include <gtest/gtest.h>

#include "reference/dicom/server.hpp"
#include "tests/cpp/dicom/store_fixture.hpp"
#include "tests/cpp/modality/study_fixture.hpp"

namespace radloop::modality {
namespace {

using dicom::AssociationEvent;
using dicom::InstanceRecord;

dicom::WorklistItem order(std::string accession, std::string patient_id, std::string name) {
  dicom::WorklistItem item;
  item.patient_id = std::move(patient_id);
  item.issuer_of_patient_id = "GENERAL";
  item.patient_name = std::move(name);
  item.patient_birth_date = "19700412";
  item.patient_sex = "F";
  item.accession_number = std::move(accession);
  item.requested_procedure_id = "RP-" + item.accession_number;
  item.requested_procedure_description = "CT CHEST";
  item.study_instance_uid = "1.2.826.0.1.3680043.9.7433.3." + std::to_string(item.accession_number.size());
  item.step.station_ae_title = "CT_SCANNER_1";
  item.step.modality = "CT";
  item.step.start_date = "20260315";
  item.step.start_time = "093000";
  item.step.step_id = "SPS-" + item.accession_number;
  return item;
}

class Exam : public ::testing::Test {
 protected:
  void SetUp() override { start({}); }

  void start(dicom::ServerConfig config) {
    if (server_) server_->stop();
    auto source = std::make_shared<dicom::InMemoryOrderSource>();
    source->add(order("ACC12345", "MRN-1", "DOE^JANE"));
    source->add(order("ACC67890", "MRN-2", "ROE^RICHARD"));
    config.order_source = source;
    config.storage_dir = (scratch_.path() / "archive").string();
    config.durability = dicom::ServerConfig::Durability::none;
    server_ = dicom::test_support::start_server(recorder_, std::move(config));
  }

  ExamPlan plan(std::vector<std::string> faults = {}) {
    ExamPlan p;
    p.archive.port = server_->port();
    p.archive.calling_ae = "CT_SCANNER_1";
    p.worklist = p.archive;
    p.query.accession_number = "ACC12345";
    p.study = testing::sample_spec(Modality::ct);
    p.study.series_count = 1;
    p.study.instances_per_series = 3;
    p.work_dir = scratch_.path() / ("exam-" + std::to_string(++exams_));
    for (const auto& f : faults) {
      auto parsed = parse_fault(f);
      EXPECT_TRUE(parsed.ok()) << f;
      if (parsed) p.faults.push_back(*parsed);
    }
    return p;
  }

  ExamReport run(const ExamPlan& p) {
    auto report = run_exam(p, log_);
    EXPECT_TRUE(report.ok()) << report.error().message();
    server_->stop();  // every event and record is in
    return std::move(report).value();
  }

  std::vector<InstanceRecord> records() {
    std::lock_guard lock(recorder_.mutex);
    return recorder_.records;
  }

  testing::ScratchDir scratch_;
  dicom::test_support::Recorder recorder_;
  std::unique_ptr<dicom::Server> server_;
  EventLog log_;
  int exams_ = 0;
};

TEST_F(Exam, ACleanExamLandsWithTheWorklistsIdentifiersAndIsCommitted) {
  auto p = plan();
  p.commitment = true;
  const auto report = run(p);
  EXPECT_EQ(report.truth.accession_number, "ACC12345");
  EXPECT_EQ(report.store.accepted(), 3U);
  ASSERT_EQ(records().size(), 3U);
  for (const auto& r : records()) {
    EXPECT_EQ(r.accession_number, "ACC12345");
    EXPECT_EQ(r.patient_id, "MRN-1");
    EXPECT_EQ(r.study_instance_uid, order("ACC12345", "", "").study_instance_uid);
  }
  const auto steps = server_->performed_steps();
  ASSERT_EQ(steps.size(), 1U);
  EXPECT_EQ(steps[0].status, dicom::PerformedProcedureStep::Status::completed);
  EXPECT_EQ(steps[0].accession_number, "ACC12345");
  EXPECT_EQ(steps[0].instance_count(), 3U);
  ASSERT_TRUE(report.commitment);
  EXPECT_EQ(report.commitment->report.committed.size(), 3U);
  std::vector<std::string> actions;
  for (const auto& e : log_.events()) {
    if (actions.empty() || actions.back() != e.action) actions.push_back(e.action);
  }
  EXPECT_EQ(actions, (std::vector<std::string>{"worklist_query", "worklist_pick", "synthesize", "mpps_create",
                                               "association", "store", "mpps_set", "commitment"}));
  EXPECT_NE(log_.json_lines().find("\"truth\":{\"accession_number\":\"ACC12345\""), std::string::npos);
}

TEST_F(Exam, TransposedAccessionReachesTheArchiveWhileTheTruthKeepsTheOrder) {
  const auto report = run(plan({"transpose_accession"}));
  EXPECT_EQ(report.sent.order.accession_number, "ACC21345");
  ASSERT_EQ(records().size(), 3U);
  EXPECT_EQ(records()[0].accession_number, "ACC21345");
  const auto stores = log_.of("store");
  ASSERT_FALSE(stores.empty());
  EXPECT_EQ(stores[0].truth.accession_number, "ACC12345");
  EXPECT_EQ(stores[0].sent_accession_number, "ACC21345");
}

TEST_F(Exam, BlankAndForeignIdentifiersReachTheArchiveAsSent) {
  auto p = plan({"blank_accession", "other_patient_id"});
  p.query.accession_number.clear();  // the whole worklist: the modality picks the first order
  run(p);
  ASSERT_EQ(records().size(), 3U);
  EXPECT_EQ(records()[0].accession_number, "");
  EXPECT_EQ(records()[0].patient_id, "MRN-2");  // the other patient on the worklist
}

TEST_F(Exam, ABlankPatientIdIsStoredBlankAndAnotherIdWithoutWorklistIsMadeUp) {
  run(plan({"blank_patient_id"}));
  ASSERT_EQ(records().size(), 3U);
  EXPECT_EQ(records()[0].patient_id, "");
  start({});
  run(plan({"other_patient_id"}));  // only one order answered: no other patient to take
  EXPECT_EQ(records().back().patient_id, "MRN-19");
}

TEST_F(Exam, TypedDemographicsLeaveTheOrderBehind) {
  const auto report = run(plan({"typed_demographics"}));
  ASSERT_EQ(records().size(), 3U);
  EXPECT_EQ(records()[0].patient_name, "DOE JANE");
  EXPECT_EQ(records()[0].accession_number, "");
  EXPECT_NE(records()[0].study_instance_uid, report.truth.study_instance_uid);
}

TEST_F(Exam, AnUnacceptedTransferSyntaxSendsNothingAndTheArchiveSaysWhy) {
  dicom::ServerConfig config;
  config.transfer_syntaxes = {"1.2.840.10008.1.2.1", "1.2.840.10008.1.2"};
  start(config);
  const auto report = run(plan({"unacceptable_transfer_syntax"}));
  EXPECT_EQ(report.store.count(StoreOutcome::Kind::not_sent), 3U);
  EXPECT_TRUE(records().empty());
  EXPECT_EQ(recorder_.of(AssociationEvent::Kind::context_rejected).size(), 1U);
  // MPPS still says COMPLETED: the archive is told the exam was done though no image arrived.
  EXPECT_EQ(server_->performed_steps()[0].status, dicom::PerformedProcedureStep::Status::completed);
}

TEST_F(Exam, AWrongCaseCalledAeIsRejectedByTheArchive) {
  const auto report = run(plan({"called_ae_wrong_case"}));
  EXPECT_EQ(report.store.accepted(), 0U);
  const auto rejected = recorder_.of(AssociationEvent::Kind::rejected);
  ASSERT_FALSE(rejected.empty());
  EXPECT_NE(rejected[0].reason.find("called AE title not recognized (\"radloop\""), std::string::npos)
      << rejected[0].reason;
}

TEST_F(Exam, AnUnknownCallingAeIsRejectedWhenTheArchiveKeepsAList) {
  dicom::ServerConfig config;
  config.allowed_callers = {{"CT_SCANNER_1", ""}};
  start(config);
  auto p = plan({"unknown_calling_ae"});
  p.worklist->calling_ae = "CT_SCANNER_1";  // the worklist is asked as usual
  const auto report = run(p);
  EXPECT_EQ(report.store.accepted(), 0U);
  EXPECT_TRUE(records().empty());
  const auto rejected = recorder_.of(AssociationEvent::Kind::rejected);
  ASSERT_FALSE(rejected.empty());
  EXPECT_NE(rejected[0].reason.find("\"UNKNOWN_AE\" is not on the allow-list"), std::string::npos)
      << rejected[0].reason;
}

TEST_F(Exam, AbortAfterTwoLeavesTwoInstances) {
  const auto report = run(plan({"abort_after=2"}));
  EXPECT_EQ(report.store.accepted(), 2U);
  EXPECT_EQ(records().size(), 2U);
  EXPECT_EQ(recorder_.of(AssociationEvent::Kind::aborted).size(), 1U);
}

TEST_F(Exam, AResentStudyIsCountedAsDuplicates) {
  const auto report = run(plan({"resend"}));
  ASSERT_TRUE(report.resend);
  EXPECT_EQ(report.resend->accepted(), 3U);
  EXPECT_EQ(server_->stats().instances_stored, 3U);
  EXPECT_EQ(server_->stats().duplicates, 3U);
}

TEST_F(Exam, AConflictingResendIsKeptAsideWithAWarning) {
  const auto report = run(plan({"conflicting_resend"}));
  ASSERT_TRUE(report.resend);
  ASSERT_EQ(report.resend->outcomes.size(), 1U);
  EXPECT_EQ(report.resend->outcomes[0].status, 0xB000);
  EXPECT_EQ(server_->stats().conflicts, 1U);
  EXPECT_EQ(recorder_.of(AssociationEvent::Kind::instance_conflict).size(), 1U);
}

TEST_F(Exam, ASlowSenderStillDelivers) {
  const auto report = run(plan({"slow_sender=2"}));
  EXPECT_EQ(report.store.accepted(), 3U);
}

TEST_F(Exam, MppsDiscontinuedOrAbsent) {
  run(plan({"mpps_discontinued=Patient refused to continue procedure"}));
  const auto steps = server_->performed_steps();
  ASSERT_EQ(steps.size(), 1U);
  EXPECT_EQ(steps[0].status, dicom::PerformedProcedureStep::Status::discontinued);
  EXPECT_EQ(steps[0].discontinuation_reason, "Patient refused to continue procedure");

  start({});
  run(plan({"no_mpps"}));
  EXPECT_TRUE(server_->performed_steps().empty());
  EXPECT_TRUE(log_.of("mpps_create").size() == 1U);  // only the first exam's
}

TEST(Faults, ParseNamesAndValuesAndRefuseTheUnknown) {
  auto abort = parse_fault("abort_after=3");
  ASSERT_TRUE(abort.ok());
  EXPECT_EQ(abort->kind, FaultKind::abort_after);
  EXPECT_EQ(abort->value, "3");
  EXPECT_FALSE(parse_fault("abort_after=three").ok());
  auto unknown = parse_fault("lose_everything");
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.error().detail.find("known: transpose_accession"), std::string::npos);
  EXPECT_EQ(fault_names().size(), 14U);
  EXPECT_EQ(transpose_adjacent("ACC000042"), "ACC000402");
  EXPECT_EQ(transpose_adjacent("AB"), "BA");
  EXPECT_EQ(transpose_adjacent("77"), "77");
}

}  // namespace
}  // namespace radloop::modality
