// Storage Commitment (push model) over real associations: instances stored with C-STORE, then a
// DcmSCU requester asks for commitment and reads the N-EVENT-REPORT on the same association.
#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <dcmtk/dcmnet/dimse.h>
#include <dcmtk/dcmnet/scu.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <memory>

#include "reference/dicom/commitment.hpp"
#include "reference/dicom/internal/storage_commitment.hpp"
#include "reference/dicom/server.hpp"
#include "tests/cpp/dicom/store_fixture.hpp"
#include "tests/cpp/dicom/temp_dir.hpp"

namespace radloop::dicom {
namespace {

namespace fs = std::filesystem;
using namespace test_support;  // NOLINT(google-build-using-namespace): the suite's own helpers

struct TempDir : test_support::TempDir {
  TempDir() : test_support::TempDir("radloop-commit") {}
};

// What a requester saw: the N-ACTION status, then the report (if one came) and its event type.
struct Exchange {
  std::string error;
  Uint16 action_status = 0xFFFF;
  bool reported = false;
  Uint16 event_type = 0;
  CommitmentReport report;
};

// A bare requester: N-ACTION with the given data set (null: none), then wait for the report on
// the same association. Lets tests send what a well-behaved SCU never would.
Exchange request(std::uint16_t port, DcmDataset* information, Uint16 action_type = 1,
                 const char* instance = UID_StorageCommitmentPushModelSOPInstance, int wait_seconds = 10) {
  BareScu scu;
  address_server(scu, port, UID_StorageCommitmentPushModelSOPClass, UID_LittleEndianExplicitTransferSyntax);
  Exchange exchange;
  auto cond = scu.initNetwork();
  if (cond.good()) cond = scu.negotiateAssociation();
  const auto context = scu.findPresentationContextID(UID_StorageCommitmentPushModelSOPClass, "");
  if (cond.good() && information == nullptr) {
    T_DIMSE_Message message{};
    message.CommandField = DIMSE_N_ACTION_RQ;
    auto& rq = message.msg.NActionRQ;
    rq.MessageID = 1;
    OFStandard::strlcpy(rq.RequestedSOPClassUID, UID_StorageCommitmentPushModelSOPClass,
                        sizeof rq.RequestedSOPClassUID);
    OFStandard::strlcpy(rq.RequestedSOPInstanceUID, UID_StorageCommitmentPushModelSOPInstance,
                        sizeof rq.RequestedSOPInstanceUID);
    rq.ActionTypeID = 1;
    rq.DataSetType = DIMSE_DATASET_NULL;
    cond = scu.exchange(context, message, nullptr, exchange.action_status);
  } else if (cond.good()) {
    cond = scu.sendACTIONRequest(context, instance, action_type, information, exchange.action_status);
  }
  if (cond.bad()) {
    exchange.error = cond.text();
    return exchange;
  }
  if (exchange.action_status == 0) {
    DcmDataset* raw = nullptr;
    cond = scu.handleEVENTREPORTRequest(raw, exchange.event_type, wait_seconds);
    const std::unique_ptr<DcmDataset> report(raw);
    if (cond.good() && report) {
      auto read = internal::read_report_dataset(*report);
      if (read.ok()) {
        exchange.reported = true;
        exchange.report = std::move(read).value();
      }
    }
  }
  scu.releaseAssociation();
  return exchange;
}

std::unique_ptr<DcmDataset> asking_for(const std::vector<SopReference>& refs, const char* transaction = "1.2.3.4.5") {
  auto dataset = std::make_unique<DcmDataset>();
  dataset->putAndInsertString(DCM_TransactionUID, transaction);
  for (const auto& ref : refs) {
    DcmItem* item = nullptr;
    dataset->findOrCreateSequenceItem(DCM_ReferencedSOPSequence, item, -2);
    item->putAndInsertString(DCM_ReferencedSOPClassUID, ref.sop_class_uid.c_str());
    item->putAndInsertString(DCM_ReferencedSOPInstanceUID, ref.sop_instance_uid.c_str());
  }
  return dataset;
}

SopReference ct(const Instance& i) { return {UID_CTImageStorage, i.sop_uid}; }

class StorageCommitment : public ::testing::Test {
 protected:
  void SetUp() override { server_ = start_server(recorder_, storing_into(storage_.path)); }

  Instance stored() {
    auto instance = make_instance(work_.path);
    const auto sent = send(server_->port(), instance.path);
    EXPECT_TRUE(sent.sent && sent.status == 0) << sent.error;
    return instance;
  }

  std::vector<AssociationEvent> commitment_events() {
    server_->stop();
    return recorder_.of(AssociationEvent::Kind::storage_commitment);
  }

  TempDir storage_, work_;
  Recorder recorder_;
  std::unique_ptr<Server> server_;
};

TEST_F(StorageCommitment, CommitsWhatIsStoredAndNamesWhyTheRestFailed) {
  const auto a = stored();
  const auto b = stored();
  const SopReference unknown{UID_CTImageStorage, "1.2.826.0.1.3680043.9.7433.99.1"};
  const SopReference wrong_class{UID_MRImageStorage, a.sop_uid};
  const auto exchange = request(server_->port(), asking_for({ct(a), unknown, ct(b), wrong_class}).get());

  ASSERT_TRUE(exchange.error.empty()) << exchange.error;
  EXPECT_EQ(exchange.action_status, STATUS_Success);
  ASSERT_TRUE(exchange.reported);
  EXPECT_EQ(exchange.event_type, 2);  // some failed
  EXPECT_EQ(exchange.report.transaction_uid, "1.2.3.4.5");
  ASSERT_EQ(exchange.report.committed.size(), 2U);
  EXPECT_EQ(exchange.report.committed[0].sop_instance_uid, a.sop_uid);
  EXPECT_EQ(exchange.report.committed[1].sop_instance_uid, b.sop_uid);
  ASSERT_EQ(exchange.report.failed.size(), 2U);
  EXPECT_EQ(exchange.report.failed[0].instance.sop_instance_uid, unknown.sop_instance_uid);
  EXPECT_EQ(exchange.report.failed[0].reason, commitment_failure::no_such_object_instance);
  EXPECT_EQ(exchange.report.failed[1].instance.sop_class_uid, UID_MRImageStorage);
  EXPECT_EQ(exchange.report.failed[1].reason, commitment_failure::class_instance_conflict);

  const auto stats = server_->stats();
  EXPECT_EQ(stats.commitment_requests, 1U);
  EXPECT_EQ(stats.commitment_failed_refs, 2U);
  EXPECT_EQ(stats.commitment_reports_sent, 1U);
  const auto events = commitment_events();
  ASSERT_EQ(events.size(), 1U);
  EXPECT_NE(events[0].reason.find("2 committed, 2 failed"), std::string::npos) << events[0].reason;
  EXPECT_NE(events[0].reason.find("same association"), std::string::npos) << events[0].reason;
}

TEST_F(StorageCommitment, ReportsEventType1WhenEverythingIsCommitted) {
  const auto a = stored();
  const auto exchange = request(server_->port(), asking_for({ct(a)}).get());
  ASSERT_TRUE(exchange.reported) << exchange.error;
  EXPECT_EQ(exchange.event_type, 1);
  EXPECT_EQ(exchange.report.committed.size(), 1U);
  EXPECT_TRUE(exchange.report.failed.empty());
}

// Truthful, not optimistic: an instance whose file vanished after it was stored is not committed.
TEST_F(StorageCommitment, FailsAnInstanceWhoseFileIsGone) {
  const auto a = stored();
  fs::remove(final_path(storage_.path, a));
  const auto exchange = request(server_->port(), asking_for({ct(a)}).get());
  ASSERT_TRUE(exchange.reported) << exchange.error;
  ASSERT_EQ(exchange.report.failed.size(), 1U);
  EXPECT_EQ(exchange.report.failed[0].reason, commitment_failure::no_such_object_instance);
}

// Nor one whose file was cut short since: the bytes committed to are not there any more.
TEST_F(StorageCommitment, FailsAnInstanceWhoseFileWasCutShort) {
  const auto a = stored();
  fs::resize_file(final_path(storage_.path, a), 100);
  const auto exchange = request(server_->port(), asking_for({ct(a)}).get());
  ASSERT_TRUE(exchange.reported) << exchange.error;
  ASSERT_EQ(exchange.report.failed.size(), 1U);
  EXPECT_EQ(exchange.report.failed[0].reason, commitment_failure::processing_failure);
}

// With a durable index behind the server, commitment asks it, not the catalog (which is rebuilt
// from whatever is on disk at start): a file whose index row is missing (its C-STORE never
// answered) is not committed, nor one shorter than indexed (cut short before a restart), and an
// index that cannot answer fails the reference rather than guessing.
TEST_F(StorageCommitment, CommitsOnlyWhatTheDurableIndexHoldsAsIndexed) {
  const auto a = stored();
  const auto b = stored();
  const auto c = stored();
  const auto d = stored();
  server_->stop();
  const auto row = [&](const Instance& i, std::int64_t size_change) {
    InstanceRecord record;
    record.sop_instance_uid = i.sop_uid;
    record.sop_class_uid = UID_CTImageStorage;
    record.file_path = final_path(storage_.path, i).string();
    record.size_bytes =
        static_cast<std::uint64_t>(static_cast<std::int64_t>(fs::file_size(record.file_path)) + size_change);
    return record;
  };
  Recorder second;
  auto config = storing_into(storage_.path);
  config.indexed_instance = [&](const std::string& sop) -> Result<std::optional<InstanceRecord>> {
    if (sop == a.sop_uid) return std::optional<InstanceRecord>(row(a, 0));
    if (sop == c.sop_uid) return Error{Errc::store_failed, "radloop.db", "disk I/O error"};
    if (sop == d.sop_uid) return std::optional<InstanceRecord>(row(d, 10));  // the file lost 10 bytes
    return std::optional<InstanceRecord>();
  };
  auto restarted = start_server(second, config);
  const auto exchange = request(restarted->port(), asking_for({ct(a), ct(b), ct(c), ct(d)}).get());
  ASSERT_TRUE(exchange.reported) << exchange.error;
  ASSERT_EQ(exchange.report.committed.size(), 1U);
  EXPECT_EQ(exchange.report.committed[0].sop_instance_uid, a.sop_uid);
  ASSERT_EQ(exchange.report.failed.size(), 3U);
  EXPECT_EQ(exchange.report.failed[0].reason, commitment_failure::no_such_object_instance);
  EXPECT_EQ(exchange.report.failed[1].reason, commitment_failure::processing_failure);
  EXPECT_EQ(exchange.report.failed[2].reason, commitment_failure::processing_failure);
}

// What was stored before a restart is still committed: the catalog is rebuilt from disk.
TEST_F(StorageCommitment, CommitsInstancesStoredBeforeARestart) {
  const auto a = stored();
  server_->stop();
  Recorder second;
  auto restarted = start_server(second, storing_into(storage_.path));
  const auto exchange = request(restarted->port(), asking_for({ct(a)}).get());
  ASSERT_TRUE(exchange.reported) << exchange.error;
  EXPECT_EQ(exchange.report.committed.size(), 1U);
  EXPECT_TRUE(exchange.report.failed.empty());
}

TEST_F(StorageCommitment, RefusesMalformedRequestsAndKeepsServing) {
  const auto a = stored();
  EXPECT_EQ(request(server_->port(), nullptr).action_status, STATUS_N_MissingAttribute);
  auto no_transaction = asking_for({ct(a)});
  delete no_transaction->remove(DCM_TransactionUID);  // NOLINT(cppcoreguidelines-owning-memory)
  EXPECT_EQ(request(server_->port(), no_transaction.get()).action_status, STATUS_N_MissingAttribute);
  EXPECT_EQ(request(server_->port(), asking_for({}).get()).action_status, STATUS_N_MissingAttribute);
  auto empty_sequence = asking_for({});
  empty_sequence->insertEmptyElement(DCM_ReferencedSOPSequence);
  EXPECT_EQ(request(server_->port(), empty_sequence.get()).action_status, STATUS_N_InvalidArgumentValue);
  EXPECT_EQ(request(server_->port(), asking_for({ct(a)}).get(), 7).action_status, STATUS_N_NoSuchAction);
  EXPECT_EQ(request(server_->port(), asking_for({ct(a)}).get(), 1, "1.2.3").action_status, STATUS_N_NoSuchSOPInstance);

  const auto fine = request(server_->port(), asking_for({ct(a)}).get());
  ASSERT_TRUE(fine.reported) << fine.error;
  EXPECT_EQ(fine.report.committed.size(), 1U);
  const auto events = commitment_events();
  ASSERT_EQ(events.size(), 7U);
  EXPECT_NE(events[0].reason.find("refused with 0x0120"), std::string::npos) << events[0].reason;
}

// An archive that does not know where the requester listens cannot call it back: the requester
// waits in vain, and the event says why.
TEST(StorageCommitmentNewAssociation, SendsNoReportToAnAeWithoutAnAddress) {
  TempDir storage, work;
  Recorder recorder;
  auto config = storing_into(storage.path);
  config.commitment_reply = ServerConfig::CommitmentReply::new_association;
  auto server = start_server(recorder, config);
  const auto a = make_instance(work.path);
  ASSERT_EQ(send(server->port(), a.path).status, 0);
  const auto exchange =
      request(server->port(), asking_for({ct(a)}).get(), 1, UID_StorageCommitmentPushModelSOPInstance, 2);
  EXPECT_EQ(exchange.action_status, STATUS_Success);
  EXPECT_FALSE(exchange.reported);
  server->stop();
  const auto events = recorder.of(AssociationEvent::Kind::storage_commitment);
  ASSERT_EQ(events.size(), 1U);
  EXPECT_NE(events[0].reason.find("no address is configured for \"MODALITY1\""), std::string::npos) << events[0].reason;
  EXPECT_EQ(server->stats().commitment_reports_sent, 0U);
}

TEST(CommitmentReportDataset, RoundTripsCommittedAndFailedReferences) {
  CommitmentReport report{"1.2.3",
                          {{UID_CTImageStorage, "1.2.3.1"}},
                          {{{UID_CTImageStorage, "1.2.3.2"}, commitment_failure::no_such_object_instance}}};
  auto dataset = internal::report_dataset(report, "RADLOOP");
  OFString retrieve;
  dataset->findAndGetOFString(DCM_RetrieveAETitle, retrieve);
  EXPECT_EQ(retrieve, "RADLOOP");
  auto read = internal::read_report_dataset(*dataset);
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(read->transaction_uid, "1.2.3");
  ASSERT_EQ(read->committed.size(), 1U);
  EXPECT_EQ(read->committed[0].sop_instance_uid, "1.2.3.1");
  ASSERT_EQ(read->failed.size(), 1U);
  EXPECT_EQ(read->failed[0].reason, commitment_failure::no_such_object_instance);
  EXPECT_EQ(report.event_type_id(), 2);
}

}  // namespace
}  // namespace radloop::dicom
