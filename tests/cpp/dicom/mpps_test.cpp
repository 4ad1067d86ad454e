// The MPPS state rules of PS3.4 F.7.2, without a network.
#include "reference/dicom/mpps.hpp"

#include <gtest/gtest.h>

namespace radloop::dicom {
namespace {

using Status = PerformedProcedureStep::Status;

PerformedProcedureStep step(const std::string& uid = "1.2.3") {
  PerformedProcedureStep s;
  s.sop_instance_uid = uid;
  s.patient_id = "MRN1";
  s.accession_number = "ACC1";
  s.performed_procedure_step_id = "PPS1";
  return s;
}

MppsModification finish(const char* status) {
  MppsModification m;
  m.status = status;
  m.end_date = "20260101";
  m.end_time = "121500";
  m.series = std::vector<PerformedSeries>{{"1.2.3.1", "", "", {{"1.2.840.10008.5.1.4.1.1.2", "1.2.3.1.1"}}}};
  return m;
}

TEST(MppsRegistry, CreatesInProgressAndCompletes) {
  MppsRegistry registry;
  const auto created = registry.create(step(), "IN PROGRESS");
  ASSERT_EQ(created.status, 0);
  EXPECT_EQ(created.step->status, Status::in_progress);
  const auto done = registry.set("1.2.3", finish("COMPLETED"));
  ASSERT_EQ(done.status, 0) << done.error_comment;
  EXPECT_EQ(done.previous, Status::in_progress);
  EXPECT_EQ(done.step->status, Status::completed);
  EXPECT_EQ(done.step->instance_count(), 1U);
  EXPECT_EQ(registry.find("1.2.3")->end_time, "121500");
}

TEST(MppsRegistry, RefusesAnNCreateThatIsNotInProgress) {
  MppsRegistry registry;
  const auto created = registry.create(step(), "COMPLETED");
  EXPECT_EQ(created.status, 0x0106);
  EXPECT_NE(created.error_comment.find("must be IN PROGRESS"), std::string::npos);
  EXPECT_FALSE(registry.find("1.2.3"));
}

TEST(MppsRegistry, RefusesADuplicateSopInstance) {
  MppsRegistry registry;
  ASSERT_EQ(registry.create(step(), "IN PROGRESS").status, 0);
  EXPECT_EQ(registry.create(step(), "IN PROGRESS").status, 0x0111);
}

TEST(MppsRegistry, RefusesAnNSetOnAnUnknownInstance) {
  MppsRegistry registry;
  const auto set = registry.set("9.9.9", finish("COMPLETED"));
  EXPECT_EQ(set.status, 0x0112);
  EXPECT_FALSE(set.step);
}

// Once COMPLETED or DISCONTINUED, a step may no longer be updated: 0x0110 with Error ID A710.
TEST(MppsRegistry, AFinalStepMayNoLongerBeUpdated) {
  for (const char* final_status : {"COMPLETED", "DISCONTINUED"}) {
    MppsRegistry registry;
    ASSERT_EQ(registry.create(step(), "IN PROGRESS").status, 0);
    ASSERT_EQ(registry.set("1.2.3", finish(final_status)).status, 0);
    for (const char* next : {"IN PROGRESS", "COMPLETED", "DISCONTINUED"}) {
      const auto again = registry.set("1.2.3", finish(next));
      EXPECT_EQ(again.status, 0x0110) << final_status << " then " << next;
      EXPECT_EQ(again.error_id, 0xA710);
      EXPECT_NE(again.error_comment.find("may no longer be updated"), std::string::npos);
    }
    EXPECT_EQ(to_string(registry.find("1.2.3")->status), final_status);
  }
}

TEST(MppsRegistry, ChangesWhileInProgressWithoutEndingIt) {
  MppsRegistry registry;
  ASSERT_EQ(registry.create(step(), "IN PROGRESS").status, 0);
  MppsModification progress;
  progress.series = std::vector<PerformedSeries>{{"1.2.3.1", "", "", {}}};
  const auto set = registry.set("1.2.3", progress);
  ASSERT_EQ(set.status, 0);
  EXPECT_EQ(set.step->status, Status::in_progress);
  EXPECT_EQ(set.step->series.size(), 1U);
}

TEST(MppsRegistry, AFinalStatusNeedsAnEndDateAndTime) {
  MppsRegistry registry;
  ASSERT_EQ(registry.create(step(), "IN PROGRESS").status, 0);
  MppsModification bare;
  bare.status = "COMPLETED";
  EXPECT_EQ(registry.set("1.2.3", bare).status, 0x0121);
  EXPECT_EQ(registry.find("1.2.3")->status, Status::in_progress);  // nothing applied
}

TEST(MppsRegistry, RefusesUndefinedStatusesAndFixedAttributes) {
  MppsRegistry registry;
  ASSERT_EQ(registry.create(step(), "IN PROGRESS").status, 0);
  EXPECT_EQ(registry.set("1.2.3", finish("DONE")).status, 0x0106);
  auto change_patient = finish("COMPLETED");
  change_patient.not_allowed = {"Patient ID"};
  const auto refused = registry.set("1.2.3", change_patient);
  EXPECT_EQ(refused.status, 0x0106);
  EXPECT_NE(refused.error_comment.find("may not change Patient ID"), std::string::npos);
  EXPECT_EQ(registry.find("1.2.3")->status, Status::in_progress);
}

// Success only for what was kept: a sink that fails leaves the registry as it was, and the
// request gets 0x0110 with the reason.
TEST(MppsRegistry, AChangeTheSinkCouldNotKeepIsNotMade) {
  MppsRegistry registry;
  std::vector<PerformedProcedureStep> kept;
  bool fail = true;
  const MppsSink sink = [&](const PerformedProcedureStep& s) -> Result<void> {
    if (fail) return Error{Errc::store_failed, "radloop.db", "disk full"};
    kept.push_back(s);
    return {};
  };
  auto created = registry.create(step(), "IN PROGRESS", sink);
  EXPECT_EQ(created.status, 0x0110);
  EXPECT_NE(created.error_comment.find("the step could not be kept"), std::string::npos) << created.error_comment;
  EXPECT_FALSE(registry.find("1.2.3")) << "nothing was created";
  fail = false;
  EXPECT_EQ(registry.create(step(), "IN PROGRESS", sink).status, 0);
  ASSERT_EQ(kept.size(), 1U);
  EXPECT_EQ(kept[0].status, Status::in_progress);
  fail = true;
  EXPECT_EQ(registry.set("1.2.3", finish("COMPLETED"), sink).status, 0x0110);
  EXPECT_EQ(registry.find("1.2.3")->status, Status::in_progress) << "still in progress, as kept";
  fail = false;
  EXPECT_EQ(registry.set("1.2.3", finish("COMPLETED"), sink).status, 0);
  ASSERT_EQ(kept.size(), 2U);
  EXPECT_EQ(kept[1].status, Status::completed);
  EXPECT_EQ(kept[1].series.size(), 1U);
}

// A restart begins with the steps a store kept: one left in progress can still be completed.
TEST(MppsRegistry, BeginsWithTheStepsAStoreKept) {
  MppsRegistry registry({step("1.2.3"), step("1.2.4")});
  EXPECT_EQ(registry.all().size(), 2U);
  EXPECT_EQ(registry.set("1.2.3", finish("COMPLETED")).status, 0);
  EXPECT_EQ(registry.create(step("1.2.4"), "IN PROGRESS").status, 0x0111) << "a duplicate of a kept step";
}

}  // namespace
}  // namespace radloop::dicom
