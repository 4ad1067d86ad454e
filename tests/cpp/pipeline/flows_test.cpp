// The pipeline's flows end to end on loopback: EHR order -> RIS -> accessioned order -> worklist
// -> images -> reconciliation -> report -> EHR, and what must not link, wait, or be retried.
#include <gtest/gtest.h>

#include <thread>

#include <set>

#include "reference/pipeline/store_worklist.hpp"
#include "simulators/modality/mpps_scu.hpp"
#include "tests/cpp/dicom/store_fixture.hpp"
#include "tests/cpp/pipeline/flow_fixture.hpp"

namespace radloop::pipeline {
namespace {

using namespace test_support;  // NOLINT: the fixture's helpers
namespace dt = dicom::test_support;

dt::Instance image(const fs::path& dir, const std::string& mrn, const std::string& accession,
                   const std::string& study_uid = dt::new_uid()) {
  dt::Instance spec;
  spec.patient_id = mrn;
  spec.accession = accession;
  spec.study_uid = study_uid;
  spec.study_date = "20261122";
  return dt::make_instance(dir, spec);
}

using FlowsTest = FlowTest;

TEST_F(FlowsTest, AnOrderTravelsFromTheEhrToTheChartAndEveryStageIsRecorded) {
  auto& p = start();
  EXPECT_EQ(send(adt("A1", "A04", "MRN1", "DOE^JANE")).code, "AA");
  EXPECT_EQ(send(ehr_order("O1", "P100")).code, "AA");
  // The EHR's order goes on to the RIS under the pipeline's header and its own control ID.
  const auto to_ris = ris_.wait_for(1);
  ASSERT_EQ(to_ris.size(), 1U);
  EXPECT_EQ(field(to_ris[0], "MSH-3"), "RADLOOP");
  EXPECT_EQ(field(to_ris[0], "MSH-5"), "RIS");
  EXPECT_NE(field(to_ris[0], "MSH-10"), "O1");
  EXPECT_EQ(field(to_ris[0], "ORC-2"), "P100");

  EXPECT_EQ(send(ris_order("R1", "P100", "ACC100")).code, "AA");
  const auto accessioned = orders();
  ASSERT_EQ(accessioned.size(), 1U);
  EXPECT_EQ(accessioned[0].accession, "ACC100");
  EXPECT_EQ(accessioned[0].status, "SC");
  // The worklist answers from the store, with the registry's demographics.
  const auto worklist = StoreWorklist(p.store()).worklist();
  ASSERT_EQ(worklist.size(), 1U);
  EXPECT_EQ(worklist[0].accession_number, "ACC100");
  EXPECT_EQ(worklist[0].patient_name, "DOE^JANE");
  EXPECT_EQ(worklist[0].step.start_date, "20261122");

  const auto img = image(dir_, "MRN1", "ACC100");
  ASSERT_EQ(dt::send(p.dicom_port(), img.path).status, 0x0000);
  const auto linked = studies();
  ASSERT_EQ(linked.size(), 1U);
  EXPECT_EQ(linked[0].state, store::StudyRecord::State::linked);
  EXPECT_EQ(linked[0].order_id, accessioned[0].id);

  EXPECT_EQ(send(oru("U1", "P100", "ACC100", "F", "No acute findings.")).code, "AA");
  const auto to_ehr = ehr_.wait_for(1);
  ASSERT_EQ(to_ehr.size(), 1U);
  EXPECT_EQ(field(to_ehr[0], "MSH-9"), "ORU^R01^ORU_R01");
  EXPECT_EQ(field(to_ehr[0], "OBR-25"), "F");
  EXPECT_EQ(field(to_ehr[0], "OBR-18"), "ACC100");
  EXPECT_EQ(field(to_ehr[0], "PID-3.1"), "MRN1");
  EXPECT_EQ(field(to_ehr[0], "OBX-5"), "No acute findings.");
  EXPECT_EQ(field(to_ehr[0], "ZDS-1.1"), img.study_uid);

  ASSERT_TRUE(eventually([&] {
    auto timeline = p.landing("ACC100");
    return timeline.ok() && timeline->at("stages").size() == 7;  // every stage but "started" (no MPPS here)
  }));
  const auto timeline = p.landing("ACC100").value();
  std::vector<std::string> stages;
  for (const auto& s : timeline.at("stages")) stages.push_back(s.at("stage"));
  EXPECT_EQ(stages, (std::vector<std::string>{"ordered", "accessioned", "scheduled", "images_received", "reconciled",
                                              "reported", "delivered"}));
}

TEST_F(FlowsTest, EveryReportStatusAndTheAddendumReachTheEhrInOrder) {
  start();
  EXPECT_EQ(send(ris_order("R1", "P1", "ACC1")).code, "AA");
  EXPECT_EQ(send(oru("U1", "P1", "ACC1", "P", "Preliminary read.")).code, "AA");
  EXPECT_EQ(send(oru("U2", "P1", "ACC1", "F", "Final read.")).code, "AA");
  EXPECT_EQ(send(oru("U3", "P1", "ACC1", "C", "Corrected read.")).code, "AA");
  auto addendum = oru("U4", "P1", "ACC1", "C", "Addendum: compared with prior.");
  addendum.replace(addendum.find("IMP^Impression"), 14, "ADD^Addendum");
  EXPECT_EQ(send(addendum).code, "AA");
  const auto got = ehr_.wait_for(4);
  ASSERT_EQ(got.size(), 4U);
  EXPECT_EQ(field(got[0], "OBR-25"), "P");
  EXPECT_EQ(field(got[1], "OBR-25"), "F");
  EXPECT_EQ(field(got[2], "OBR-25"), "C");
  EXPECT_EQ(field(got[3], "OBX-3.2"), "Addendum");
  store::ReportFilter f;
  f.accession = "ACC1";
  EXPECT_EQ(reports(f).size(), 4U);
}

TEST_F(FlowsTest, TheSameReportTwiceIsAckedTwiceAndDeliveredOnce) {
  auto& p = start();
  EXPECT_EQ(send(ris_order("R1", "P1", "ACC1")).code, "AA");
  EXPECT_EQ(send(oru("U1", "P1", "ACC1", "F", "Final.")).code, "AA");
  EXPECT_EQ(send(oru("U1", "P1", "ACC1", "F", "Final.")).code, "AA");
  ehr_.wait_for(1);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(ehr_.received().size(), 1U);
  EXPECT_EQ(reports().size(), 1U);
  EXPECT_EQ(p.stats().hl7_duplicates, 1U);
}

TEST_F(FlowsTest, ATransposedAccessionGoesToReviewAndLinkingItResendsTheReport) {
  auto& p = start();
  EXPECT_EQ(send(ris_order("R1", "P1", "ACC1002")).code, "AA");
  const auto img = image(dir_, "MRN1", "ACC1020");
  ASSERT_EQ(dt::send(p.dicom_port(), img.path).status, 0x0000);
  auto open = reviews(store::ReviewRecord::State::open);
  ASSERT_EQ(open.size(), 1U);
  EXPECT_EQ(open[0].reason, "accession_near_miss");
  EXPECT_EQ(open[0].subject, img.study_uid);
  EXPECT_NE(open[0].candidates.find("ACC1002"), std::string::npos);
  EXPECT_EQ(studies()[0].state, store::StudyRecord::State::review);

  EXPECT_EQ(send(oru("U1", "P1", "ACC1002", "F", "Final.")).code, "AA");
  ASSERT_EQ(ehr_.wait_for(1).size(), 1U);
  EXPECT_EQ(field(ehr_.received()[0], "ZDS-1.1"), "") << "no study is tied yet";

  const auto order_id = orders()[0].id;
  auto resolved = p.resolve({Resolution::Action::link, open[0].id, order_id, "", "alice"});
  ASSERT_TRUE(resolved.ok()) << resolved.error().message();
  EXPECT_EQ(resolved->state, store::ReviewRecord::State::linked);
  EXPECT_EQ(studies()[0].state, store::StudyRecord::State::linked);
  const auto again = ehr_.wait_for(2);
  ASSERT_EQ(again.size(), 2U);
  EXPECT_EQ(field(again[1], "ZDS-1.1"), img.study_uid);
  const auto audit = read<std::vector<store::AuditRecord>>(
      [&](store::Tx& tx) { return tx.audit("review " + std::to_string(open[0].id), 10); });
  ASSERT_EQ(audit.size(), 2U);
  EXPECT_EQ(audit[1].action, "link");
  EXPECT_EQ(audit[1].actor, "alice");
  // Linked once; linking again is a conflict, and an unknown item is not found.
  EXPECT_EQ(p.resolve({Resolution::Action::link, open[0].id, order_id, "", "bob"}).error().code, Errc::review_conflict);
  EXPECT_EQ(p.resolve({Resolution::Action::link, 999, order_id, "", "bob"}).error().code, Errc::review_not_found);
}

TEST_F(FlowsTest, TheSameAccessionForAnotherPatientIsNeverLinked) {
  auto& p = start();
  EXPECT_EQ(send(ris_order("R1", "P1", "ACC1")).code, "AA");
  ASSERT_EQ(dt::send(p.dicom_port(), image(dir_, "MRN2", "ACC1").path).status, 0x0000);
  const auto open = reviews(store::ReviewRecord::State::open);
  ASSERT_EQ(open.size(), 1U);
  EXPECT_EQ(open[0].reason, "accession_other_patient");
  EXPECT_NE(studies()[0].state, store::StudyRecord::State::linked);
}

TEST_F(FlowsTest, AStudyWithABlankAccessionGoesToReviewWithThePatientsOrdersAsCandidates) {
  auto& p = start();
  EXPECT_EQ(send(ris_order("R1", "P1", "ACC1")).code, "AA");
  ASSERT_EQ(dt::send(p.dicom_port(), image(dir_, "MRN1", "").path).status, 0x0000);
  const auto open = reviews(store::ReviewRecord::State::open);
  ASSERT_EQ(open.size(), 1U);
  EXPECT_EQ(open[0].reason, "blank_accession");
  EXPECT_NE(open[0].candidates.find("ACC1"), std::string::npos);
}

TEST_F(FlowsTest, AStudyBeforeItsOrderWaitsAndLinksWhenTheOrderArrives) {
  auto& p = start();
  ASSERT_EQ(dt::send(p.dicom_port(), image(dir_, "MRN1", "ACC7").path).status, 0x0000);
  EXPECT_EQ(studies()[0].state, store::StudyRecord::State::pending);
  EXPECT_EQ(send(ris_order("R1", "P7", "ACC7")).code, "AA");
  const auto after = studies();
  EXPECT_EQ(after[0].state, store::StudyRecord::State::linked);
  EXPECT_EQ(after[0].order_id, orders()[0].id);
}

TEST_F(FlowsTest, AStudyThatWaitedLongerThanTheWindowGoesToReview) {
  config_.flows.pending_window = std::chrono::seconds(0);
  auto& p = start();
  ASSERT_EQ(dt::send(p.dicom_port(), image(dir_, "MRN1", "ACC8").path).status, 0x0000);
  ASSERT_TRUE(p.sweep().ok());
  const auto open = reviews(store::ReviewRecord::State::open);
  ASSERT_EQ(open.size(), 1U);
  EXPECT_EQ(open[0].reason, "no_order_yet");
  EXPECT_EQ(read<store::StoreCounts>([](store::Tx& tx) { return tx.counts(); }).orphans, 1);
}

TEST_F(FlowsTest, AReportNotDeliveredWithinTheDeadlineAndAnOrphanStudyAreAlerts) {
  config_.delivery_deadline = std::chrono::minutes(0);
  ehr_.refuse = 1000;
  auto& p = start();
  EXPECT_EQ(send(ris_order("R1", "P1", "ACC1")).code, "AA");
  EXPECT_EQ(send(oru("U1", "P1", "ACC1", "F", "Final.")).code, "AA");
  ASSERT_EQ(dt::send(p.dicom_port(), image(dir_, "MRN9", "ACC404").path).status, 0x0000);
  const auto alerts = p.alerts().value();
  std::set<std::pair<pipeline::LandingAlert::Kind, std::string>> seen;
  for (const auto& a : alerts) seen.insert({a.kind, a.accession});
  EXPECT_TRUE(seen.contains({LandingAlert::Kind::late_delivery, "ACC1"}));
  EXPECT_TRUE(seen.contains({LandingAlert::Kind::orphan_study, "ACC404"}));
  EXPECT_FALSE(seen.contains({LandingAlert::Kind::orphan_study, "ACC1"}));
}

TEST_F(FlowsTest, AnAccessionUsedByTwoOrdersFlagsBothAndItsStudyGoesToReview) {
  auto& p = start();
  EXPECT_EQ(send(ris_order("R1", "P1", "ACC9")).code, "AA");
  EXPECT_EQ(send(ris_order("R2", "P2", "ACC9", "MRN2")).code, "AA");
  for (const auto& o : orders()) EXPECT_TRUE(o.collision) << o.placer;
  ASSERT_EQ(dt::send(p.dicom_port(), image(dir_, "MRN1", "ACC9").path).status, 0x0000);
  const auto open = reviews(store::ReviewRecord::State::open);
  ASSERT_EQ(open.size(), 1U);
  EXPECT_EQ(open[0].reason, "accession_collision");
}

TEST_F(FlowsTest, AMergeMovesOrdersToTheSurvivingPatientAndIsAudited) {
  start();
  EXPECT_EQ(send(ris_order("R1", "P1", "ACC1", "OLD1")).code, "AA");
  EXPECT_EQ(send(adt("M1", "A40", "NEW1", "DOE^JANE", "OLD1")).code, "AA");
  EXPECT_EQ(orders()[0].patient_mrn, "NEW1");
  const auto audit = read<std::vector<store::AuditRecord>>([](store::Tx& tx) { return tx.audit("patient NEW1", 10); });
  ASSERT_EQ(audit.size(), 1U);
  EXPECT_EQ(audit[0].action, "merge");
}

// MPPS N-CREATE (IN PROGRESS) for this patient and accession, from a modality.
Result<modality::MppsAnswer> create_step(Pipeline& p, const std::string& patient, const std::string& accession,
                                         const std::string& id) {
  dicom::PerformedProcedureStep step;
  step.patient_id = patient;
  step.accession_number = accession;
  step.study_instance_uid = dt::new_uid();
  step.modality = "CT";
  step.performed_procedure_step_id = id;
  step.station_ae_title = "MODALITY";
  step.start_date = "20261122";
  step.start_time = "090000";
  modality::Target target;
  target.port = p.dicom_port();
  return modality::mpps_create(target, step);
}

// The RIS has not heard of the merge: its report names the retired MRN, and still reaches the
// chart on the surviving patient's order.
TEST_F(FlowsTest, AReportNamingAMergedMrnTiesToTheSurvivorsOrder) {
  start();
  EXPECT_EQ(send(adt("A1", "A04", "OLD1", "DOE^JANE")).code, "AA");
  EXPECT_EQ(send(ris_order("R1", "P1", "ACC1", "OLD1")).code, "AA");
  EXPECT_EQ(send(adt("M1", "A40", "NEW1", "DOE^JANE", "OLD1")).code, "AA");
  EXPECT_EQ(send(oru("U1", "P1", "ACC1", "F", "Final.", "OLD1")).code, "AA");
  const auto got = ehr_.wait_for(1);
  ASSERT_EQ(got.size(), 1U);
  EXPECT_EQ(field(got[0], "PID-3.1"), "NEW1");
}

TEST_F(FlowsTest, APerformedStepMovesTheOrderAndTellsTheRis) {
  auto& p = start();
  EXPECT_EQ(send(ris_order("R1", "P1", "ACC5")).code, "AA");
  auto created = create_step(p, "MRN1", "ACC5", "PPS1");
  ASSERT_TRUE(created.ok()) << created.error().message();
  ASSERT_EQ(created->status, 0x0000);
  ASSERT_TRUE(eventually([&] { return orders()[0].status == "IP"; }));
  const auto to_ris = ris_.wait_for(1);
  ASSERT_EQ(to_ris.size(), 1U);
  EXPECT_EQ(field(to_ris[0], "ORC-1"), "SC");
  EXPECT_EQ(field(to_ris[0], "ORC-5"), "IP");
  EXPECT_EQ(field(to_ris[0], "OBR-18"), "ACC5");
}

// MPPS is kept in the store: a step created before the pipeline stops (or is killed) is known
// after it starts again, and the modality's N-SET COMPLETED is taken and moves the order.
TEST_F(FlowsTest, AStepCreatedBeforeARestartIsCompletedAfterIt) {
  auto& first = start();
  EXPECT_EQ(send(ris_order("R1", "P1", "ACC5")).code, "AA");
  auto created = create_step(first, "MRN1", "ACC5", "PPS1");
  ASSERT_TRUE(created.ok()) << created.error().message();
  ASSERT_EQ(created->status, 0x0000);
  EXPECT_EQ(orders()[0].status, "IP") << "moved before the modality heard success";
  pipeline_.reset();

  auto& second = start();
  dicom::PerformedProcedureStep done;
  done.sop_instance_uid = created->sop_instance_uid;
  done.status = dicom::PerformedProcedureStep::Status::completed;
  done.end_date = "20261122";
  done.end_time = "093000";
  done.series = {{dt::new_uid(), "", "", {{"1.2.840.10008.5.1.4.1.1.2", dt::new_uid()}}}};
  modality::Target target;
  target.port = second.dicom_port();
  auto set = modality::mpps_set(target, done);
  ASSERT_TRUE(set.ok()) << set.error().message();
  EXPECT_EQ(set->status, 0x0000) << set->error_comment;
  EXPECT_EQ(orders()[0].status, "CM");
  const auto steps = second.performed_steps();
  ASSERT_EQ(steps.size(), 1U);
  EXPECT_EQ(steps[0].performed_procedure_step_id, "PPS1") << "the step came back whole";
  EXPECT_EQ(steps[0].status, dicom::PerformedProcedureStep::Status::completed);
}

// A step naming this accession but another patient (a mistyped accession): the order stays as it
// was, and above all does not take the step's Study Instance UID, which would link the images to
// the order's patient.
TEST_F(FlowsTest, APerformedStepForAnotherPatientMovesNoOrder) {
  auto& p = start();
  EXPECT_EQ(send(ris_order("R1", "P1", "ACC5")).code, "AA");
  auto created = create_step(p, "MRN2", "ACC5", "PPS2");
  ASSERT_TRUE(created.ok()) << created.error().message();
  ASSERT_EQ(created->status, 0x0000);  // the step itself is kept; it is the order that does not move
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_NE(orders()[0].status, "IP");
  EXPECT_TRUE(orders()[0].study_uid.empty());
}

TEST_F(FlowsTest, AReportTheEhrRefusesIsRetriedUnderTheSameControlId) {
  ehr_.refuse = 2;
  auto& p = start();
  EXPECT_EQ(send(ris_order("R1", "P1", "ACC1")).code, "AA");
  EXPECT_EQ(send(oru("U1", "P1", "ACC1", "F", "Final.")).code, "AA");
  const auto got = ehr_.wait_for(3);
  ASSERT_EQ(got.size(), 3U);
  EXPECT_EQ(field(got[0], "MSH-10"), field(got[2], "MSH-10"));
  EXPECT_EQ(got[0], got[2]) << "a retry is the same bytes";
  ASSERT_TRUE(eventually([&] { return p.stats().ehr.delivered == 1; }));
  EXPECT_EQ(p.stats().ehr.failed_attempts, 2U);
}

// An AA whose MSA-2 names another message answers nothing: the report is sent again, under its
// own control ID, until an ACK for it comes.
TEST_F(FlowsTest, AnAckForAnotherMessageIsNoAckAndTheReportIsSentAgain) {
  ehr_.misaddress = 1;
  config_.outbox.first_retry = std::chrono::milliseconds(50);
  auto& p = start();
  EXPECT_EQ(send(ris_order("R1", "P1", "ACC1")).code, "AA");
  EXPECT_EQ(send(oru("U1", "P1", "ACC1", "F", "Final.")).code, "AA");
  const auto got = ehr_.wait_for(2);
  ASSERT_EQ(got.size(), 2U);
  EXPECT_EQ(got[0], got[1]) << "the same message, the same control ID";
  ASSERT_TRUE(eventually([&] { return p.stats().ehr.delivered == 1; }));
  EXPECT_EQ(p.stats().ehr.failed_attempts, 1U);
  EXPECT_EQ(p.stats().ehr.dead_letters, 0U);
}

// Rejected (AR): the same bytes would be rejected again. After max_refusals it is a dead letter
// and what is behind it goes, however many attempts the policy would otherwise allow.
TEST_F(FlowsTest, ARefusedReportStopsHoldingUpTheQueueAfterMaxRefusals) {
  config_.outbox.max_attempts = 0;
  config_.outbox.max_refusals = 2;
  config_.outbox.first_retry = std::chrono::milliseconds(50);
  ehr_.reject = 2;
  auto& p = start();
  EXPECT_EQ(send(ris_order("R1", "P1", "ACC1")).code, "AA");
  EXPECT_EQ(send(oru("U1", "P1", "ACC1", "P", "Prelim.")).code, "AA");
  EXPECT_EQ(send(oru("U2", "P1", "ACC1", "F", "Final.")).code, "AA");
  ASSERT_EQ(ehr_.wait_for(3).size(), 3U);
  ASSERT_TRUE(eventually([&] { return p.stats().ehr.dead_letters == 1 && p.stats().ehr.delivered == 1; }));
}

TEST_F(FlowsTest, AfterTooManyRefusalsAReportIsDeadLetteredAndTheNextOneStillGoes) {
  config_.outbox.max_attempts = 2;
  ehr_.refuse = 2;
  auto& p = start();
  EXPECT_EQ(send(ris_order("R1", "P1", "ACC1")).code, "AA");
  EXPECT_EQ(send(oru("U1", "P1", "ACC1", "P", "Prelim.")).code, "AA");
  EXPECT_EQ(send(oru("U2", "P1", "ACC1", "F", "Final.")).code, "AA");
  const auto got = ehr_.wait_for(3);
  ASSERT_EQ(got.size(), 3U);
  EXPECT_EQ(field(got[2], "OBR-25"), "F");
  ASSERT_TRUE(eventually([&] { return p.stats().ehr.dead_letters == 1 && p.stats().ehr.delivered == 1; }));
  EXPECT_EQ(read<store::StoreCounts>([](store::Tx& tx) { return tx.counts(); }).dead_letters, 1);
}

TEST_F(FlowsTest, WhatWasQueuedWhenThePipelineStoppedIsSentAfterItStartsAgain) {
  ehr_.refuse = 1000;
  config_.outbox.first_retry = std::chrono::milliseconds(1500);
  config_.outbox.max_delay = std::chrono::milliseconds(1500);
  start();
  EXPECT_EQ(send(ris_order("R1", "P1", "ACC1")).code, "AA");
  EXPECT_EQ(send(oru("U1", "P1", "ACC1", "F", "Final.")).code, "AA");
  ASSERT_EQ(ehr_.wait_for(1).size(), 1U);
  const auto control = field(ehr_.received()[0], "MSH-10");
  pipeline_.reset();
  ehr_.refuse = 0;
  config_.outbox.first_retry = std::chrono::milliseconds(50);
  start();
  // The retry time kept in the store is honoured across the restart, then the same message goes.
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(ehr_.received().size(), 1U);
  const auto got = ehr_.wait_for(2);
  ASSERT_EQ(got.size(), 2U);
  EXPECT_EQ(field(got[1], "MSH-10"), control);
  EXPECT_EQ(got[1], got[0]);
}

TEST_F(FlowsTest, AReportForAnUnknownOrderWaitsAndGoesOutWhenTheOrderArrives) {
  start();
  EXPECT_EQ(send(oru("U1", "P3", "ACC3", "F", "Final.")).code, "AA");
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_TRUE(ehr_.received().empty());
  EXPECT_EQ(send(ris_order("R1", "P3", "ACC3")).code, "AA");
  ASSERT_EQ(ehr_.wait_for(1).size(), 1U);
}

TEST_F(FlowsTest, AnOrderWithoutAPatientIsKeptAndAnsweredWithAnError) {
  start();
  const auto ack = send(msh("RIS", "ORM^O01", "BAD1") + seg("ORC", {{1, "NW"}, {2, "P1"}}));
  EXPECT_EQ(ack.code, "AE");
  const auto kept = pipeline_->store().find_inbound("RIS^RADIOLOGY", "BAD1").value();
  ASSERT_TRUE(kept.has_value());
  EXPECT_NE(kept->outcome.find("refused"), std::string::npos);
  EXPECT_TRUE(orders().empty());
}

}  // namespace
}  // namespace radloop::pipeline
