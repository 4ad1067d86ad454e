// MPPS requests no modality should send: without an attribute list, with a list that is not an
// MPPS, for another SOP class. Each is answered with a failure and the archive carries on.
#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <dcmtk/dcmnet/dimse.h>
#include <gtest/gtest.h>

#include "reference/dicom/server.hpp"
#include "tests/cpp/dicom/store_fixture.hpp"

namespace radloop::dicom {
namespace {

using namespace test_support;  // NOLINT(google-build-using-namespace): the suite's own helpers

// One association, one N-CREATE (or N-SET) as built; the response status.
Uint16 mpps_request(std::uint16_t port, T_DIMSE_Command command, DcmDataset* dataset,
                    const char* sop_class = UID_ModalityPerformedProcedureStepSOPClass) {
  BareScu scu;
  address_server(scu, port, UID_ModalityPerformedProcedureStepSOPClass, UID_LittleEndianExplicitTransferSyntax);
  if (scu.initNetwork().bad() || scu.negotiateAssociation().bad()) return 0xFFFF;
  T_DIMSE_Message message{};
  message.CommandField = command;
  const auto type = dataset == nullptr ? DIMSE_DATASET_NULL : DIMSE_DATASET_PRESENT;
  if (command == DIMSE_N_CREATE_RQ) {
    auto& rq = message.msg.NCreateRQ;
    rq.MessageID = 1;
    rq.DataSetType = type;
    OFStandard::strlcpy(rq.AffectedSOPClassUID, sop_class, sizeof rq.AffectedSOPClassUID);
    OFStandard::strlcpy(rq.AffectedSOPInstanceUID, "1.2.826.0.1.3680043.9.7433.5.1", sizeof rq.AffectedSOPInstanceUID);
    rq.opts = O_NCREATE_AFFECTEDSOPINSTANCEUID;
  } else {
    auto& rq = message.msg.NSetRQ;
    rq.MessageID = 1;
    rq.DataSetType = type;
    OFStandard::strlcpy(rq.RequestedSOPClassUID, sop_class, sizeof rq.RequestedSOPClassUID);
    OFStandard::strlcpy(rq.RequestedSOPInstanceUID, "1.2.826.0.1.3680043.9.7433.5.1",
                        sizeof rq.RequestedSOPInstanceUID);
  }
  const auto context = scu.findPresentationContextID(UID_ModalityPerformedProcedureStepSOPClass, "");
  Uint16 status = 0xFFFF;
  if (scu.exchange(context, message, dataset, status).good()) scu.releaseAssociation();
  return status;
}

TEST(MppsService, AnswersMalformedRequestsWithFailuresAndKeepsServing) {
  Recorder recorder;
  auto server = start_server(recorder, ServerConfig{});
  EXPECT_EQ(mpps_request(server->port(), DIMSE_N_CREATE_RQ, nullptr), 0x0120);
  DcmDataset not_mpps;
  not_mpps.putAndInsertString(DCM_PatientName, "DOE^JANE");
  EXPECT_EQ(mpps_request(server->port(), DIMSE_N_CREATE_RQ, &not_mpps), 0x0120);
  EXPECT_EQ(mpps_request(server->port(), DIMSE_N_SET_RQ, nullptr), 0x0120);
  EXPECT_EQ(mpps_request(server->port(), DIMSE_N_SET_RQ, &not_mpps), 0x0112);  // nothing was created
  EXPECT_EQ(mpps_request(server->port(), DIMSE_N_CREATE_RQ, &not_mpps, UID_CTImageStorage), 0x0118);
  server->stop();
  const auto events = recorder.of(AssociationEvent::Kind::mpps);
  ASSERT_EQ(events.size(), 5U);
  EXPECT_NE(events[0].reason.find("carries no attribute list"), std::string::npos) << events[0].reason;
  EXPECT_NE(events[1].reason.find("is missing"), std::string::npos) << events[1].reason;
  EXPECT_EQ(server->stats().mpps_refused, 5U);
  EXPECT_TRUE(server->performed_steps().empty());
}

// A minimal N-CREATE attribute list written field by field, as a modality would send it.
void fill_create(DcmDataset& d) {
  d.putAndInsertString(DCM_PerformedProcedureStepStatus, "IN PROGRESS");
  d.putAndInsertString(DCM_PerformedProcedureStepID, "PPS1");
  d.putAndInsertString(DCM_PerformedProcedureStepStartDate, "20261123");
  d.putAndInsertString(DCM_PerformedProcedureStepStartTime, "010000");
  d.putAndInsertString(DCM_PerformedStationAETitle, "CT1");
  d.putAndInsertString(DCM_Modality, "CT");
  d.putAndInsertString(DCM_PatientID, "P-77");
  d.putAndInsertString(DCM_PatientName, "DOE^JANE");
  DcmItem* scheduled = nullptr;
  d.findOrCreateSequenceItem(DCM_ScheduledStepAttributesSequence, scheduled);
  scheduled->putAndInsertString(DCM_AccessionNumber, "ACC-77");
  scheduled->putAndInsertString(DCM_StudyInstanceUID, "1.2.826.0.1.3680043.9.7433.5.2");
}

TEST(MppsService, HandBuiltStepFollowsTheStateRulesOverTheWire) {
  Recorder recorder;
  auto server = start_server(recorder, ServerConfig{});
  DcmDataset create;
  fill_create(create);
  EXPECT_EQ(mpps_request(server->port(), DIMSE_N_CREATE_RQ, &create), 0x0000);
  EXPECT_EQ(mpps_request(server->port(), DIMSE_N_CREATE_RQ, &create), 0x0111);  // same SOP Instance UID

  DcmDataset fixed;  // the patient is fixed at N-CREATE
  fixed.putAndInsertString(DCM_PatientID, "P-OTHER");
  EXPECT_EQ(mpps_request(server->port(), DIMSE_N_SET_RQ, &fixed), 0x0106);

  DcmDataset no_end;  // a final status needs the end date and time
  no_end.putAndInsertString(DCM_PerformedProcedureStepStatus, "COMPLETED");
  EXPECT_EQ(mpps_request(server->port(), DIMSE_N_SET_RQ, &no_end), 0x0121);

  DcmDataset complete;
  complete.putAndInsertString(DCM_PerformedProcedureStepStatus, "COMPLETED");
  complete.putAndInsertString(DCM_PerformedProcedureStepEndDate, "20261123");
  complete.putAndInsertString(DCM_PerformedProcedureStepEndTime, "011500");
  DcmItem* series = nullptr;
  complete.findOrCreateSequenceItem(DCM_PerformedSeriesSequence, series);
  series->putAndInsertString(DCM_SeriesInstanceUID, "1.2.826.0.1.3680043.9.7433.5.3");
  DcmItem* image = nullptr;
  series->findOrCreateSequenceItem(DCM_ReferencedImageSequence, image);
  image->putAndInsertString(DCM_ReferencedSOPClassUID, UID_CTImageStorage);
  image->putAndInsertString(DCM_ReferencedSOPInstanceUID, "1.2.826.0.1.3680043.9.7433.5.4");
  EXPECT_EQ(mpps_request(server->port(), DIMSE_N_SET_RQ, &complete), 0x0000);

  DcmDataset discontinue;  // COMPLETED is final
  discontinue.putAndInsertString(DCM_PerformedProcedureStepStatus, "DISCONTINUED");
  EXPECT_EQ(mpps_request(server->port(), DIMSE_N_SET_RQ, &discontinue), 0x0110);
  server->stop();

  const auto steps = server->performed_steps();
  ASSERT_EQ(steps.size(), 1U);
  EXPECT_EQ(steps[0].status, PerformedProcedureStep::Status::completed);
  EXPECT_EQ(steps[0].patient_id, "P-77");
  EXPECT_EQ(steps[0].accession_number, "ACC-77");
  ASSERT_EQ(steps[0].series.size(), 1U);
  ASSERT_EQ(steps[0].series[0].instances.size(), 1U);
  EXPECT_EQ(steps[0].instance_count(), 1U);
  EXPECT_EQ(server->stats().mpps_created, 1U);
  EXPECT_EQ(server->stats().mpps_updated, 1U);
  EXPECT_EQ(server->stats().mpps_refused, 4U);
  const auto events = recorder.of(AssociationEvent::Kind::mpps);
  ASSERT_EQ(events.size(), 6U);
  EXPECT_NE(events[2].reason.find("Patient ID"), std::string::npos) << events[2].reason;
  EXPECT_NE(events[4].reason.find("1.2.826.0.1.3680043.9.7433.5.3"), std::string::npos) << events[4].reason;
  EXPECT_NE(events[5].reason.find("may no longer be updated"), std::string::npos) << events[5].reason;
}

}  // namespace
}  // namespace radloop::dicom
