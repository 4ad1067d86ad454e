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

}  // namespace
}  // namespace radloop::dicom
