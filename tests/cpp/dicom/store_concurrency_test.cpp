// C-STORE under load and under faults: many associations at once, and associations that end in the
// middle of a data set (A-ABORT, TCP reset). Counts must be exact and nothing half-written kept.
#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <dcmtk/dcmnet/dimse.h>
#include <dcmtk/dcmnet/scu.h>
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "reference/dicom/internal/requestor.hpp"
#include "reference/dicom/server.hpp"
#include "tests/cpp/dicom/cutting_proxy.hpp"
#include "tests/cpp/dicom/store_fixture.hpp"
#include "tests/cpp/dicom/temp_dir.hpp"

namespace radloop::dicom {
namespace {

namespace fs = std::filesystem;
using namespace test_support;  // NOLINT(google-build-using-namespace): the suite's own helpers

struct TempDir : test_support::TempDir {
  TempDir() : test_support::TempDir("radloop-store-load") {}
};

// What sits under the storage root: final instances (.dcm under a study folder) and anything else.
struct Disk {
  std::set<std::string> stored_sop_uids;
  std::vector<fs::path> other;
};

Disk look_at(const fs::path& root) {
  Disk disk;
  for (const auto& path : files_under(root)) {
    const auto relative = fs::relative(path, root);
    const bool final = path.extension() == ".dcm" && std::distance(relative.begin(), relative.end()) == 3 &&
                       relative.begin()->string().front() != '.';
    if (final)
      disk.stored_sop_uids.insert(path.stem().string());
    else
      disk.other.push_back(relative);
  }
  return disk;
}

TEST(DicomStoreLoad, EightConcurrentAssociationsOfAHundredInstancesEachKeepEveryOneExactlyOnce) {
  constexpr unsigned kAssociations = 8;
  constexpr unsigned kPerAssociation = 100;
  TempDir storage, work;
  Recorder recorder;
  ServerConfig config = storing_into(storage.path);
  config.max_associations = kAssociations;
  auto server = start_server(recorder, config);

  // One small image per association; each send gives it a SOP Instance UID of its own.
  std::vector<std::unique_ptr<DcmFileFormat>> images;
  for (unsigned a = 0; a < kAssociations; ++a) {
    images.push_back(std::make_unique<DcmFileFormat>());
    ASSERT_TRUE(images.back()->loadFile(make_instance(work.path).path.c_str()).good());
  }
  std::vector<std::vector<std::string>> sent(kAssociations);
  std::vector<std::string> errors(kAssociations);
  std::vector<std::thread> threads;
  for (unsigned a = 0; a < kAssociations; ++a) {
    threads.emplace_back([&, a] {
      DcmSCU scu;
      address_server(scu, server->port(), UID_CTImageStorage, UID_LittleEndianExplicitTransferSyntax);
      auto cond = scu.initNetwork();
      if (cond.good()) cond = scu.negotiateAssociation();
      DcmDataset* dataset = images[a]->getDataset();
      for (unsigned i = 0; cond.good() && i < kPerAssociation; ++i) {
        const auto uid = new_uid();
        dataset->putAndInsertString(DCM_SOPInstanceUID, uid.c_str());
        Uint16 status = 0xFFFF;
        cond = scu.sendSTORERequest(0, "", dataset, status);
        if (cond.good() && status != 0) {
          errors[a] = "status " + std::to_string(status);
          return;
        }
        if (cond.good()) sent[a].push_back(uid);
      }
      if (cond.bad()) errors[a] = cond.text();
      scu.releaseAssociation();
    });
  }
  for (auto& t : threads) t.join();
  for (unsigned a = 0; a < kAssociations; ++a) EXPECT_EQ(errors[a], "") << "association " << a;
  server->stop();

  std::set<std::string> expected;
  for (const auto& uids : sent) expected.insert(uids.begin(), uids.end());
  ASSERT_EQ(expected.size(), kAssociations * kPerAssociation);
  const auto disk = look_at(storage.path);
  EXPECT_EQ(disk.stored_sop_uids, expected);
  EXPECT_TRUE(disk.other.empty()) << disk.other.front();  // no .incoming or .conflicts leftovers
  std::set<std::string> recorded;
  for (const auto& r : recorder.records) {
    recorded.insert(r.sop_instance_uid);
    EXPECT_EQ(r.outcome, InstanceRecord::Outcome::stored);
  }
  EXPECT_EQ(recorder.records.size(), expected.size());
  EXPECT_EQ(recorded, expected);
  const auto stats = server->stats();
  EXPECT_EQ(stats.associations_accepted, kAssociations);
  EXPECT_EQ(stats.associations_rejected, 0U);
  EXPECT_EQ(stats.instances_stored, expected.size());
  EXPECT_EQ(stats.duplicates, 0U);
  EXPECT_EQ(stats.conflicts, 0U);
  EXPECT_EQ(stats.store_failures, 0U);
  EXPECT_TRUE(recorder.of(AssociationEvent::Kind::store_failed).empty());
}

// Sends a C-STORE request and its data set in PDUs of at most max_pdu bytes, and has the DIMSE
// progress callback A-ABORT the association once abort_after bytes of the data set went out.
struct AbortingSender {
  internal::Requestor* requestor = nullptr;
  unsigned long abort_after = 0;
  bool aborted = false;

  static void progress(void* context, unsigned long bytes) {
    auto* self = static_cast<AbortingSender*>(context);
    if (!self->aborted && bytes >= self->abort_after) {
      self->aborted = true;
      self->requestor->abort();
    }
  }

  OFCondition send(DcmDataset& dataset, const Instance& instance) {
    const auto context = requestor->accepted(UID_CTImageStorage);
    if (context == 0) return makeOFCondition(0, 1, OF_error, "no accepted context");
    T_DIMSE_Message request{};
    request.CommandField = DIMSE_C_STORE_RQ;
    auto& store = request.msg.CStoreRQ;
    store.MessageID = requestor->next_message_id();
    OFStandard::strlcpy(store.AffectedSOPClassUID, UID_CTImageStorage, sizeof store.AffectedSOPClassUID);
    OFStandard::strlcpy(store.AffectedSOPInstanceUID, instance.sop_uid.c_str(), sizeof store.AffectedSOPInstanceUID);
    store.Priority = DIMSE_PRIORITY_MEDIUM;
    store.DataSetType = DIMSE_DATASET_PRESENT;
    return DIMSE_sendMessageUsingMemoryData(requestor->association(), context, &request, nullptr, &dataset, progress,
                                            this);
  }
};

internal::RequestorConfig requestor_config(std::uint16_t port) {
  internal::RequestorConfig config;
  config.port = port;
  config.calling_ae = "MODALITY1";
  config.called_ae = "RADLOOP";
  config.max_pdu_bytes = 16384;
  return config;
}

// The association after a fault: one ordinary instance must still be stored.
void expect_still_serving(std::uint16_t port, const fs::path& work, Instance& good) {
  good = make_instance(work);
  const auto result = send(port, good.path);
  EXPECT_TRUE(result.sent) << result.error;
  EXPECT_EQ(result.status, 0x0000);
}

TEST(DicomStoreLoad, AnAbortMidInstanceKeepsNothingOfItAndTheServerServesOn) {
  TempDir storage, work;
  Recorder recorder;
  auto server = start_server(recorder, storing_into(storage.path));
  const auto big = make_instance(work.path, {}, 2'000'000);  // 4 MB of pixels: hundreds of PDUs
  DcmFileFormat file;
  ASSERT_TRUE(file.loadFile(big.path.c_str()).good());
  {
    auto requestor = internal::Requestor::open(requestor_config(server->port()),
                                               {{UID_CTImageStorage, {UID_LittleEndianExplicitTransferSyntax}}});
    ASSERT_TRUE(requestor.ok()) << requestor.error().message();
    AbortingSender sender{requestor.value().get(), 1'000'000};
    const auto cond = sender.send(*file.getDataset(), big);
    EXPECT_TRUE(sender.aborted);
    EXPECT_TRUE(cond.bad());  // the rest of the data set could not go out
  }
  Instance good;
  expect_still_serving(server->port(), work.path, good);
  server->stop();

  const auto disk = look_at(storage.path);
  EXPECT_EQ(disk.stored_sop_uids, std::set<std::string>{good.sop_uid});
  EXPECT_TRUE(disk.other.empty()) << disk.other.front();
  ASSERT_EQ(recorder.records.size(), 1U);
  EXPECT_EQ(recorder.records[0].sop_instance_uid, good.sop_uid);
  const auto stats = server->stats();
  EXPECT_EQ(stats.instances_stored, 1U);
  EXPECT_EQ(stats.store_failures, 1U);
  const auto failed = recorder.of(AssociationEvent::Kind::store_failed);
  ASSERT_EQ(failed.size(), 1U);
  EXPECT_NE(failed[0].reason.find(big.sop_uid), std::string::npos) << failed[0].reason;
  EXPECT_EQ(recorder.of(AssociationEvent::Kind::aborted).size(), 1U);
}

TEST(DicomStoreLoad, AConnectionResetMidInstanceKeepsNothingOfItAndTheServerServesOn) {
  TempDir storage, work;
  Recorder recorder;
  auto server = start_server(recorder, storing_into(storage.path));
  const auto big = make_instance(work.path, {}, 2'000'000);
  constexpr std::size_t kCutAfter = 1'500'000;
  SendResult result;
  {
    CuttingProxy proxy(server->port(), kCutAfter, CuttingProxy::Cut::reset);
    result = send(proxy.port(), big.path);
    EXPECT_EQ(proxy.forwarded, kCutAfter);
  }
  EXPECT_FALSE(result.sent);
  Instance good;
  expect_still_serving(server->port(), work.path, good);
  server->stop();

  const auto disk = look_at(storage.path);
  EXPECT_EQ(disk.stored_sop_uids, std::set<std::string>{good.sop_uid});
  EXPECT_TRUE(disk.other.empty()) << disk.other.front();
  ASSERT_EQ(recorder.records.size(), 1U);
  EXPECT_EQ(recorder.records[0].sop_instance_uid, good.sop_uid);
  EXPECT_EQ(server->stats().instances_stored, 1U);
  EXPECT_EQ(server->stats().store_failures, 1U);
  const auto failed = recorder.of(AssociationEvent::Kind::store_failed);
  ASSERT_EQ(failed.size(), 1U);
  EXPECT_NE(failed[0].reason.find(big.sop_uid), std::string::npos) << failed[0].reason;
}

}  // namespace
}  // namespace radloop::dicom
