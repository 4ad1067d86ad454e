// Data sets past the limits on every request that carries one: C-STORE, worklist and study
// C-FIND, N-ACTION, N-CREATE, N-SET. Each is refused with the request's failure status and a
// reason, nothing is kept, and the same association (or the next) is served normally.
#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <dcmtk/dcmnet/dimse.h>
#include <gtest/gtest.h>

#include "reference/dicom/server.hpp"
#include "tests/cpp/dicom/store_fixture.hpp"
#include "tests/cpp/dicom/temp_dir.hpp"

namespace radloop::dicom {
namespace {

using namespace test_support;  // NOLINT(google-build-using-namespace): the suite's own helpers

constexpr unsigned kDepth = 16;

// Content Sequence inside Content Sequence, `levels` deep.
void nest(DcmItem& into, unsigned levels) {
  DcmItem* at = &into;
  for (unsigned i = 0; i < levels; ++i) {
    DcmItem* child = nullptr;
    ASSERT_TRUE(at->findOrCreateSequenceItem(DCM_ContentSequence, child, -2).good());
    at = child;
  }
  at->putAndInsertString(DCM_TextValue, "deep");
}

ServerConfig limited(const fs::path& dir) {
  auto config = storing_into(dir);
  config.dataset_limits.max_depth = kDepth;
  config.dataset_limits.max_in_memory_bytes = 8192;
  config.order_source = std::make_shared<InMemoryOrderSource>();
  return config;
}

std::vector<std::string> reasons(Recorder& recorder, AssociationEvent::Kind kind) {
  std::vector<std::string> out;
  for (const auto& e : recorder.of(kind)) out.push_back(e.reason);
  return out;
}

bool any_contains(const std::vector<std::string>& texts, const std::string& part) {
  return std::any_of(texts.begin(), texts.end(), [&](const auto& t) { return t.find(part) != std::string::npos; });
}

TEST(DatasetLimits, CStoreDeeperThanTheLimitIsRefusedAndNothingIsKept) {
  TempDir dir;
  Recorder recorder;
  auto server = start_server(recorder, limited(dir.path / "store"));
  for (const unsigned levels : {kDepth, kDepth + 1}) {
    auto instance = make_instance(dir.path);
    DcmFileFormat file;
    ASSERT_TRUE(file.loadFile(instance.path.c_str()).good());
    nest(*file.getDataset(), levels);
    ASSERT_TRUE(file.saveFile(instance.path.c_str(), EXS_LittleEndianExplicit).good());
    const auto sent = send(server->port(), instance.path);
    ASSERT_TRUE(sent.sent) << sent.error;
    EXPECT_EQ(sent.status, levels == kDepth ? 0x0000 : 0xC000) << levels;
  }
  server->stop();
  EXPECT_EQ(recorder.records.size(), 1U);
  EXPECT_TRUE(any_contains(reasons(recorder, AssociationEvent::Kind::store_failed), "is nested 17 levels deep"));
  EXPECT_TRUE(files_under(dir.path / "store" / ".incoming").empty());
}

// Two queries on one association: the deep (or oversized) one refused, the plain one answered.
std::vector<Uint16> find_twice(std::uint16_t port, const char* sop_class, DcmDataset& hostile) {
  DcmSCU scu;
  address_server(scu, port, sop_class, UID_LittleEndianExplicitTransferSyntax);
  EXPECT_TRUE(scu.initNetwork().good());
  EXPECT_TRUE(scu.negotiateAssociation().good());
  const auto context = scu.findPresentationContextID(sop_class, "");
  DcmDataset plain;
  plain.putAndInsertString(DCM_QueryRetrieveLevel, "STUDY");
  plain.putAndInsertString(DCM_StudyInstanceUID, "");
  plain.putAndInsertString(DCM_PatientName, "");
  std::vector<Uint16> statuses;
  for (DcmDataset* query : {&hostile, &plain}) {
    OFList<QRResponse*> responses;
    const auto cond = scu.sendFINDRequest(context, query, &responses);
    EXPECT_TRUE(cond.good()) << cond.text();
    if (!responses.empty()) statuses.push_back(responses.back()->m_status);
    for (auto* r : responses) delete r;  // NOLINT(cppcoreguidelines-owning-memory): DcmSCU hands them over
  }
  scu.releaseAssociation();
  return statuses;
}

TEST(DatasetLimits, DeepOrOversizedIdentifiersAreRefusedAndTheAssociationGoesOn) {
  TempDir dir;
  Recorder recorder;
  auto server = start_server(recorder, limited(dir.path / "store"));
  DcmDataset deep;
  deep.putAndInsertString(DCM_QueryRetrieveLevel, "STUDY");
  nest(deep, kDepth + 1);
  DcmDataset large;
  large.putAndInsertString(DCM_QueryRetrieveLevel, "STUDY");
  large.putAndInsertString(DCM_StudyDescription, std::string(9000, 'x').c_str());
  for (const char* sop_class :
       {UID_FINDStudyRootQueryRetrieveInformationModel, UID_FINDModalityWorklistInformationModel}) {
    EXPECT_EQ(find_twice(server->port(), sop_class, deep), (std::vector<Uint16>{0xC000, 0x0000})) << sop_class;
    EXPECT_EQ(find_twice(server->port(), sop_class, large), (std::vector<Uint16>{0xC000, 0x0000})) << sop_class;
  }
  server->stop();
  const auto queries = reasons(recorder, AssociationEvent::Kind::query);
  EXPECT_TRUE(any_contains(queries, "nested 17 levels deep"));
  EXPECT_TRUE(any_contains(queries, "bytes; the limit is 8192"));
  EXPECT_TRUE(any_contains(reasons(recorder, AssociationEvent::Kind::worklist_query), "nested 17 levels deep"));
  EXPECT_EQ(server->stats().datasets_refused, 4U);
}

Uint16 n_request(std::uint16_t port, T_DIMSE_Command command, const char* sop_class, DcmDataset& dataset) {
  BareScu scu;
  address_server(scu, port, sop_class, UID_LittleEndianExplicitTransferSyntax);
  if (scu.initNetwork().bad() || scu.negotiateAssociation().bad()) return 0xFFFF;
  T_DIMSE_Message message{};
  message.CommandField = command;
  const char* instance =
      command == DIMSE_N_ACTION_RQ ? UID_StorageCommitmentPushModelSOPInstance : "1.2.826.0.1.3680043.9.7433.5.2";
  if (command == DIMSE_N_CREATE_RQ) {
    auto& rq = message.msg.NCreateRQ;
    rq.MessageID = 1;
    rq.DataSetType = DIMSE_DATASET_PRESENT;
    OFStandard::strlcpy(rq.AffectedSOPClassUID, sop_class, sizeof rq.AffectedSOPClassUID);
    OFStandard::strlcpy(rq.AffectedSOPInstanceUID, instance, sizeof rq.AffectedSOPInstanceUID);
    rq.opts = O_NCREATE_AFFECTEDSOPINSTANCEUID;
  } else if (command == DIMSE_N_SET_RQ) {
    auto& rq = message.msg.NSetRQ;
    rq.MessageID = 1;
    rq.DataSetType = DIMSE_DATASET_PRESENT;
    OFStandard::strlcpy(rq.RequestedSOPClassUID, sop_class, sizeof rq.RequestedSOPClassUID);
    OFStandard::strlcpy(rq.RequestedSOPInstanceUID, instance, sizeof rq.RequestedSOPInstanceUID);
  } else {
    auto& rq = message.msg.NActionRQ;
    rq.MessageID = 1;
    rq.DataSetType = DIMSE_DATASET_PRESENT;
    rq.ActionTypeID = 1;
    OFStandard::strlcpy(rq.RequestedSOPClassUID, sop_class, sizeof rq.RequestedSOPClassUID);
    OFStandard::strlcpy(rq.RequestedSOPInstanceUID, instance, sizeof rq.RequestedSOPInstanceUID);
  }
  const auto context = scu.findPresentationContextID(sop_class, "");
  Uint16 status = 0xFFFF;
  if (scu.exchange(context, message, &dataset, status).good()) scu.releaseAssociation();
  return status;
}

TEST(DatasetLimits, DeepNormalizedRequestsAreAnsweredWithAProcessingFailure) {
  TempDir dir;
  Recorder recorder;
  auto server = start_server(recorder, limited(dir.path / "store"));
  DcmDataset deep;
  deep.putAndInsertString(DCM_PatientName, "DOE^JANE");
  nest(deep, kDepth + 1);
  EXPECT_EQ(n_request(server->port(), DIMSE_N_CREATE_RQ, UID_ModalityPerformedProcedureStepSOPClass, deep), 0x0110);
  EXPECT_EQ(n_request(server->port(), DIMSE_N_SET_RQ, UID_ModalityPerformedProcedureStepSOPClass, deep), 0x0110);
  EXPECT_EQ(n_request(server->port(), DIMSE_N_ACTION_RQ, UID_StorageCommitmentPushModelSOPClass, deep), 0x0110);
  server->stop();
  EXPECT_TRUE(any_contains(reasons(recorder, AssociationEvent::Kind::mpps), "nested 17 levels deep"));
  EXPECT_TRUE(any_contains(reasons(recorder, AssociationEvent::Kind::storage_commitment), "nested 17 levels deep"));
  EXPECT_EQ(server->stats().datasets_refused, 3U);
}

}  // namespace
}  // namespace radloop::dicom
