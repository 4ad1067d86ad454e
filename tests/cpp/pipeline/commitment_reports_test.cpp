// Owed commitment reports through the store's JSON and back: the peer, the references, the
// failure reasons, bytes a peer sent that are not UTF-8, and a body that no longer reads refused.
#include "reference/pipeline/commitment_reports.hpp"

#include <gtest/gtest.h>

namespace radloop::pipeline {
namespace {

dicom::OwedReport owed_report() {
  dicom::OwedReport owed;
  owed.id = 12;
  owed.peer = {"CT1", "10.0.0.5", 11113};
  owed.owed_since_ms = 1'700'000'000'000;
  owed.report.transaction_uid = "1.2.3.\xFF";  // a hostile peer's bytes
  owed.report.committed = {{"1.2.840.10008.5.1.4.1.1.2", "1.2.3.1"}, {"1.2.840.10008.5.1.4.1.1.4", "1.2.3.2"}};
  owed.report.failed = {{{"1.2.840.10008.5.1.4.1.1.2", "1.2.3.3"}, dicom::commitment_failure::no_such_object_instance},
                        {{"1.2.840.10008.5.1.4.1.1.2", "1.2.3.4"}, dicom::commitment_failure::class_instance_conflict}};
  return owed;
}

TEST(CommitmentReports, EveryFieldComesBackExactly) {
  const auto owed = owed_report();
  const auto record = commitment_report_record(owed);
  EXPECT_EQ(record.id, 12);
  EXPECT_EQ(record.peer_ae, "CT1");
  EXPECT_EQ(record.peer_port, 11113);
  EXPECT_EQ(record.owed_since, 1'700'000'000'000);
  EXPECT_EQ(record.state, "owed");
  const auto back = owed_report_from(record);
  ASSERT_TRUE(back.ok()) << back.error().message();
  EXPECT_EQ(back->id, 12);
  EXPECT_EQ(back->peer.host, "10.0.0.5");
  EXPECT_EQ(back->peer.port, 11113);
  EXPECT_EQ(back->owed_since_ms, owed.owed_since_ms);
  EXPECT_EQ(back->report.transaction_uid, owed.report.transaction_uid) << "the bytes, not U+FFFD";
  ASSERT_EQ(back->report.committed.size(), 2U);
  EXPECT_EQ(back->report.committed[1].sop_class_uid, "1.2.840.10008.5.1.4.1.1.4");
  ASSERT_EQ(back->report.failed.size(), 2U);
  EXPECT_EQ(back->report.failed[1].instance.sop_instance_uid, "1.2.3.4");
  EXPECT_EQ(back->report.failed[1].reason, dicom::commitment_failure::class_instance_conflict);
}

TEST(CommitmentReports, ABodyThatDoesNotReadIsRefusedWithWhere) {
  auto record = commitment_report_record(owed_report());
  for (const char* body : {"", "[]", R"({"committed":[["1.2"]]})", R"({"failed":[["1.2","1.3","x"]]})"}) {
    record.body = body;
    const auto back = owed_report_from(record);
    ASSERT_FALSE(back.ok()) << body;
    EXPECT_EQ(back.error().code, Errc::invalid_input);
    EXPECT_NE(back.error().where.find("#12"), std::string::npos) << back.error().message();
  }
  record = commitment_report_record(owed_report());
  record.peer_port = 0;
  EXPECT_FALSE(owed_report_from(record).ok()) << "a report with nowhere to go";
}

}  // namespace
}  // namespace radloop::pipeline
