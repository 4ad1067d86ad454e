// Performed procedure steps through the store's JSON and back: every field, bytes that are not
// UTF-8 (a modality writing ISO_IR 100) exactly, and a body that no longer reads refused.
#include "reference/pipeline/performed_steps.hpp"

#include <gtest/gtest.h>

namespace radloop::pipeline {
namespace {

dicom::PerformedProcedureStep full_step() {
  dicom::PerformedProcedureStep s;
  s.sop_instance_uid = "1.2.3.4";
  s.status = dicom::PerformedProcedureStep::Status::discontinued;
  s.patient_id = "MRN1";
  s.patient_name = "M\xFCller^J\xFCrgen";  // ISO_IR 100, not UTF-8
  s.accession_number = "ACC1";
  s.study_instance_uid = "1.2.3";
  s.requested_procedure_id = "RP1";
  s.scheduled_procedure_step_id = "SPS1";
  s.performed_procedure_step_id = "PPS1";
  s.modality = "CT";
  s.station_ae_title = "CT01";
  s.start_date = "20261122";
  s.start_time = "090000";
  s.end_date = "20261122";
  s.end_time = "093000";
  s.discontinuation_reason = "Patient refused";
  s.calling_ae = "MODALITY";
  s.series = {{"1.2.3.1", "Chest", "DR^WHO", {{"1.2.840.10008.5.1.4.1.1.2", "1.2.3.1.1"}}}};
  return s;
}

TEST(PerformedSteps, EveryFieldComesBackExactly) {
  const auto step = full_step();
  const auto record = performed_step_record(step, 42);
  EXPECT_EQ(record.sop_instance_uid, "1.2.3.4");
  EXPECT_EQ(record.status, "DISCONTINUED");
  EXPECT_EQ(record.accession, "ACC1");
  EXPECT_EQ(record.updated_at, 42);
  const auto back = performed_step_from(record);
  ASSERT_TRUE(back.ok()) << back.error().message();
  EXPECT_EQ(back->patient_name, step.patient_name) << "the Latin-1 bytes, not U+FFFD";
  EXPECT_EQ(back->status, step.status);
  EXPECT_EQ(back->requested_procedure_id, "RP1");
  EXPECT_EQ(back->scheduled_procedure_step_id, "SPS1");
  EXPECT_EQ(back->performed_procedure_step_id, "PPS1");
  EXPECT_EQ(back->station_ae_title, "CT01");
  EXPECT_EQ(back->end_time, "093000");
  EXPECT_EQ(back->discontinuation_reason, "Patient refused");
  EXPECT_EQ(back->calling_ae, "MODALITY");
  ASSERT_EQ(back->series.size(), 1U);
  EXPECT_EQ(back->series[0].performing_physician, "DR^WHO");
  ASSERT_EQ(back->series[0].instances.size(), 1U);
  EXPECT_EQ(back->series[0].instances[0].sop_instance_uid, "1.2.3.1.1");
}

TEST(PerformedSteps, ABodyThatNoLongerReadsIsAnError) {
  auto record = performed_step_record(full_step(), 1);
  record.body = "{not json";
  EXPECT_EQ(performed_step_from(record).error().code, Errc::invalid_input);
  record = performed_step_record(full_step(), 1);
  record.status = "PAUSED";
  EXPECT_NE(performed_step_from(record).error().detail.find("unknown status"), std::string::npos);
  record = performed_step_record(full_step(), 1);
  record.body = R"({"series": [{"instances": [[1]]}]})";
  EXPECT_FALSE(performed_step_from(record).ok());
}

}  // namespace
}  // namespace radloop::pipeline
