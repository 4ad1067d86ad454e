// C-STORE into the server over real loopback associations: DCMTK's DcmSCU and storescu send,
// the files on disk, the records, the statuses and the events are checked.
#include "reference/dicom/internal/instance_store.hpp"

#include <arpa/inet.h>
#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <dcmtk/dcmnet/scu.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>
#include <thread>

#include "reference/dicom/server.hpp"
#include "tests/cpp/dicom/cutting_proxy.hpp"
#include "tests/cpp/dicom/store_fixture.hpp"
#include "tests/cpp/dicom/temp_dir.hpp"

namespace radloop::dicom {
namespace {

namespace fs = std::filesystem;
using namespace test_support;  // NOLINT(google-build-using-namespace): the suite's own helpers

// Each test's scratch directory carries this file's prefix.
struct TempDir : test_support::TempDir {
  TempDir() : test_support::TempDir("radloop-store") {}
};

TEST(DicomStore, StoresAnInstanceDurablyAndHandsOnItsRecord) {
  TempDir storage, work;
  Recorder recorder;
  auto server = start_server(recorder, storing_into(storage.path));
  const auto instance = make_instance(work.path);
  const auto result = send(server->port(), instance.path);
  ASSERT_TRUE(result.sent) << result.error;
  EXPECT_EQ(result.status, 0x0000);
  server->stop();

  const auto stored = final_path(storage.path, instance);
  ASSERT_TRUE(fs::exists(stored));
  EXPECT_EQ(files_under(storage.path), std::vector{stored});
  ASSERT_EQ(recorder.records.size(), 1U);
  const auto& r = recorder.records[0];
  EXPECT_EQ(r.patient_id, "MRN12345");
  EXPECT_EQ(r.issuer_of_patient_id, "GENERAL");
  EXPECT_EQ(r.patient_name, "DOE^JANE");
  EXPECT_EQ(r.patient_birth_date, "19800101");
  EXPECT_EQ(r.patient_sex, "F");
  EXPECT_EQ(r.accession_number, "ACC0001");
  EXPECT_EQ(r.study_instance_uid, instance.study_uid);
  EXPECT_EQ(r.series_instance_uid, instance.series_uid);
  EXPECT_EQ(r.sop_instance_uid, instance.sop_uid);
  EXPECT_EQ(r.sop_class_uid, UID_CTImageStorage);
  EXPECT_EQ(r.modality, "CT");
  EXPECT_EQ(r.study_date, "20260101");
  EXPECT_EQ(r.study_time, "120000");
  EXPECT_EQ(r.transfer_syntax_uid, UID_LittleEndianExplicitTransferSyntax);
  EXPECT_EQ(r.file_path, stored.string());
  EXPECT_EQ(r.size_bytes, fs::file_size(stored));
  EXPECT_EQ(r.dataset_digest.size(), 32U);  // XXH3-128, hex
  EXPECT_EQ(r.calling_ae, "MODALITY1");
  EXPECT_EQ(r.outcome, InstanceRecord::Outcome::stored);
  EXPECT_EQ(server->stats().instances_stored, 1U);
}

TEST(DicomStore, AcceptsAnIdenticalDuplicateOnce) {
  TempDir storage, work;
  Recorder recorder;
  auto server = start_server(recorder, storing_into(storage.path));
  const auto instance = make_instance(work.path);
  const auto first = send(server->port(), instance.path);
  const auto second = send(server->port(), instance.path);
  ASSERT_TRUE(first.sent && second.sent) << first.error << second.error;
  EXPECT_EQ(first.status, 0x0000);
  EXPECT_EQ(second.status, 0x0000);
  server->stop();
  EXPECT_EQ(files_under(storage.path), std::vector{final_path(storage.path, instance)});
  ASSERT_EQ(recorder.records.size(), 2U);
  EXPECT_EQ(recorder.records[1].outcome, InstanceRecord::Outcome::duplicate);
  EXPECT_EQ(recorder.records[1].dataset_digest, recorder.records[0].dataset_digest);
  EXPECT_EQ(server->stats().instances_stored, 1U);
  EXPECT_EQ(server->stats().duplicates, 1U);
}

// The file meta header DCMTK writes names the sender; the same data set from another AE is the
// same instance.
TEST(DicomStore, TakesTheSameDataSetFromAnotherAeAsADuplicate) {
  TempDir storage, work;
  Recorder recorder;
  auto server = start_server(recorder, storing_into(storage.path));
  const auto instance = make_instance(work.path);
  ASSERT_EQ(send(server->port(), instance.path).status, 0x0000);
  EXPECT_EQ(run_storescu({"-R", "-aet", "CT_SCANNER_1", "-aec", "RADLOOP", "127.0.0.1", std::to_string(server->port()),
                          instance.path}),
            0);
  server->stop();
  EXPECT_EQ(files_under(storage.path), std::vector{final_path(storage.path, instance)});
  ASSERT_EQ(recorder.records.size(), 2U);
  EXPECT_EQ(recorder.records[1].outcome, InstanceRecord::Outcome::duplicate);
  EXPECT_EQ(recorder.records[1].calling_ae, "CT_SCANNER_1");
}

TEST(DicomStore, KeepsOtherContentUnderAReusedUidAsideWithAWarning) {
  TempDir storage, work;
  Recorder recorder;
  auto server = start_server(recorder, storing_into(storage.path));
  const auto original = make_instance(work.path, {}, 64, 7);
  const auto other = make_instance(work.path, original, 64, 9);
  ASSERT_EQ(send(server->port(), original.path).status, 0x0000);
  const auto result = send(server->port(), other.path);
  ASSERT_TRUE(result.sent) << result.error;
  EXPECT_EQ(result.status, 0xB000);
  server->stop();

  const auto aside = storage.path / ".conflicts" / (original.sop_uid + ".1.dcm");
  ASSERT_TRUE(fs::exists(aside));
  EXPECT_NE(read_text(aside), read_text(final_path(storage.path, original)));
  ASSERT_EQ(recorder.records.size(), 2U);
  EXPECT_EQ(recorder.records[1].outcome, InstanceRecord::Outcome::conflict);
  EXPECT_EQ(recorder.records[1].file_path, aside.string());
  const auto conflicts = recorder.of(AssociationEvent::Kind::instance_conflict);
  ASSERT_EQ(conflicts.size(), 1U);
  EXPECT_NE(conflicts[0].reason.find(original.sop_uid), std::string::npos) << conflicts[0].reason;
  EXPECT_EQ(conflicts[0].calling_ae, "MODALITY1");
  EXPECT_EQ(server->stats().conflicts, 1U);
}

// A peer resending one UID with ever other contents cannot fill the disk: past
// max_conflict_copies the C-STORE is refused 0xA700, and the same conflicting data set again is
// answered as before without another copy.
TEST(DicomStore, KeepsAtMostMaxConflictCopiesPerUid) {
  TempDir storage, work;
  Recorder recorder;
  auto config = storing_into(storage.path);
  config.max_conflict_copies = 2;
  auto server = start_server(recorder, config);
  const auto original = make_instance(work.path, {}, 64, 7);
  ASSERT_EQ(send(server->port(), original.path).status, 0x0000);
  const auto first = make_instance(work.path, original, 64, 9);
  EXPECT_EQ(send(server->port(), first.path).status, 0xB000);
  EXPECT_EQ(send(server->port(), first.path).status, 0xB000);  // a resend: no second copy
  EXPECT_EQ(send(server->port(), make_instance(work.path, original, 64, 11).path).status, 0xB000);
  const auto refused = send(server->port(), make_instance(work.path, original, 64, 13).path);
  ASSERT_TRUE(refused.sent) << refused.error;
  EXPECT_EQ(refused.status, 0xA700);
  EXPECT_EQ(send(server->port(), first.path).status, 0xB000);  // still answered as before
  server->stop();
  std::size_t kept = 0;
  for (const auto& entry : fs::directory_iterator(storage.path / ".conflicts")) kept += entry.is_regular_file() ? 1 : 0;
  EXPECT_EQ(kept, 2U);
  EXPECT_EQ(server->stats().conflicts_refused, 1U);
  EXPECT_EQ(server->stats().conflicts, 4U);  // two kept, two sent again
  const auto failed = recorder.of(AssociationEvent::Kind::store_failed);
  ASSERT_EQ(failed.size(), 1U);
  EXPECT_NE(failed[0].reason.find("conflicting copies kept"), std::string::npos) << failed[0].reason;
}

TEST(DicomStore, ReportsAContextRejectedForItsTransferSyntaxAndStoresNothing) {
  TempDir storage, work;
  Recorder recorder;
  auto config = storing_into(storage.path);
  config.transfer_syntaxes = {UID_LittleEndianExplicitTransferSyntax};
  auto server = start_server(recorder, config);
  const auto instance = make_instance(work.path);
  EXPECT_NE(run_storescu({"-xi", "-R", "-aet", "MODALITY1", "-aec", "RADLOOP", "127.0.0.1",
                          std::to_string(server->port()), instance.path}),
            0);
  server->stop();

  const auto rejected = recorder.of(AssociationEvent::Kind::context_rejected);
  ASSERT_EQ(rejected.size(), 1U);
  EXPECT_EQ(rejected[0].calling_ae, "MODALITY1");
  EXPECT_NE(rejected[0].reason.find(UID_CTImageStorage), std::string::npos) << rejected[0].reason;
  EXPECT_NE(rejected[0].reason.find(UID_LittleEndianImplicitTransferSyntax), std::string::npos) << rejected[0].reason;
  EXPECT_NE(rejected[0].reason.find("no proposed transfer syntax is accepted"), std::string::npos)
      << rejected[0].reason;
  EXPECT_TRUE(files_under(storage.path).empty());
  EXPECT_TRUE(recorder.records.empty());
  EXPECT_EQ(server->stats().contexts_rejected, 1U);
}

TEST(DicomStore, RefusesWithOutOfResourcesWhenNoStorageIsConfigured) {
  TempDir work;
  Recorder recorder;
  auto server = start_server(recorder, ServerConfig{});
  const auto result = send(server->port(), make_instance(work.path).path);
  ASSERT_TRUE(result.sent) << result.error;
  EXPECT_EQ(result.status, 0xA700);
  server->stop();
  EXPECT_EQ(recorder.of(AssociationEvent::Kind::store_failed).size(), 1U);
  EXPECT_EQ(server->stats().store_failures, 1U);
}

TEST(DicomStore, UndoesTheWriteWhenTheSinkFails) {
  TempDir storage, work;
  Recorder recorder;
  auto server = start_server(recorder, storing_into(storage.path), [](const InstanceRecord&) -> Result<void> {
    return Error{Errc::store_failed, "index", "disk full"};
  });
  const auto instance = make_instance(work.path);
  const auto result = send(server->port(), instance.path);
  ASSERT_TRUE(result.sent) << result.error;
  EXPECT_EQ(result.status, 0xA700);
  server->stop();
  EXPECT_TRUE(files_under(storage.path).empty());
  EXPECT_EQ(server->stats().instances_stored, 0U);
  EXPECT_EQ(server->stats().store_failures, 1U);
}

// Every accepted association's socket has Nagle off: a C-STORE response written in two pieces
// would otherwise wait out the peer's delayed ACK. Looked at from the sink, on the service thread.
TEST(DicomStore, ServesAssociationsWithNagleOff) {
  TempDir storage, work;
  Recorder recorder;
  std::atomic<int> accepted_sockets{0};
  std::atomic<int> with_nodelay{0};
  std::atomic<std::uint16_t> port{0};
  std::set<ino_t> seen;
  auto server = start_server(recorder, storing_into(storage.path), [&](const InstanceRecord&) -> Result<void> {
    for (int fd = 0; fd < 1024; ++fd) {
      sockaddr_in local{};
      socklen_t length = sizeof local;
      int listening = 1;
      socklen_t size = sizeof listening;
      if (::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &length) != 0 || local.sin_family != AF_INET ||
          ntohs(local.sin_port) != port || ::getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &size) != 0 ||
          listening != 0) {
        continue;
      }
      // The server watches each connection through a descriptor of its own (server.cpp): two
      // descriptors, one socket, counted once by its inode.
      struct stat status {};
      if (::fstat(fd, &status) != 0 || !seen.insert(status.st_ino).second) continue;
      ++accepted_sockets;
      int nodelay = 0;
      size = sizeof nodelay;
      if (::getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &nodelay, &size) == 0 && nodelay != 0) ++with_nodelay;
    }
    return {};
  });
  port = server->port();
  ASSERT_EQ(send(server->port(), make_instance(work.path).path).status, 0x0000);
  server->stop();
  EXPECT_EQ(accepted_sockets, 1);
  EXPECT_EQ(with_nodelay, 1);
}

TEST(DicomStore, InteroperatesWithStorescu) {
  TempDir storage, work;
  Recorder recorder;
  auto server = start_server(recorder, storing_into(storage.path));
  const auto instance = make_instance(work.path);
  EXPECT_EQ(run_storescu({"-aet", "CT_SCANNER_1", "-aec", "RADLOOP", "127.0.0.1", std::to_string(server->port()),
                          instance.path}),
            0);
  server->stop();
  EXPECT_EQ(files_under(storage.path), std::vector{final_path(storage.path, instance)});
  ASSERT_EQ(recorder.records.size(), 1U);
  EXPECT_EQ(recorder.records[0].calling_ae, "CT_SCANNER_1");
}

// GDCM's SCU is a second independent sender: several files on one association, each recorded.
// Debian 12's gdcmscu (GDCM 3.0.21) aborts in its own teardown after the A-RELEASE-RP, even for a
// plain C-ECHO to DCMTK's storescp, so its exit code says nothing; what landed is checked instead.
TEST(DicomStore, InteroperatesWithGdcmscu) {
  TempDir storage, work;
  Recorder recorder;
  auto server = start_server(recorder, storing_into(storage.path));
  const auto first = make_instance(work.path);
  const auto second = make_instance(work.path);
  const auto log = work.path / "gdcmscu.log";
  run_tool({"gdcmscu", "--store", "--aetitle", "GDCM_SCU", "--call", "RADLOOP", "127.0.0.1",
            std::to_string(server->port()), first.path, second.path},
           log);
  server->stop();
  EXPECT_EQ(recorder.of(AssociationEvent::Kind::released).size(), 1U) << read_text(log);
  std::vector<fs::path> expected{final_path(storage.path, first), final_path(storage.path, second)};
  auto stored = files_under(storage.path);
  std::sort(stored.begin(), stored.end());
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(stored, expected);
  ASSERT_EQ(recorder.records.size(), 2U);
  EXPECT_EQ(recorder.records[0].calling_ae, "GDCM_SCU");
  EXPECT_EQ(server->stats().instances_stored, 2U);
}

TEST(DicomStore, LeavesNoFileWhenTheAssociationDiesMidInstance) {
  TempDir storage, work;
  Recorder recorder;
  auto server = start_server(recorder, storing_into(storage.path));
  const auto instance = make_instance(work.path, {}, 10'000'000);  // 20 MB of pixels
  constexpr std::size_t kCutAfter = 5'000'000;                     // bytes, well into the data set
  SendResult result;
  {
    CuttingProxy proxy(server->port(), kCutAfter);
    result = send(proxy.port(), instance.path);
    EXPECT_EQ(proxy.forwarded, kCutAfter);
  }
  EXPECT_FALSE(result.sent);
  server->stop();
  EXPECT_TRUE(files_under(storage.path).empty());
  EXPECT_TRUE(recorder.records.empty());
  EXPECT_EQ(server->stats().store_failures, 1U);
  EXPECT_EQ(recorder.of(AssociationEvent::Kind::store_failed).size(), 1U);
}

TEST(InstanceStore, RefusesADataSetWhoseUidDiffersFromTheRequest) {
  TempDir storage, work;
  ServerConfig config = storing_into(storage.path);
  internal::InstanceStore store(config, {});
  ASSERT_TRUE(store.prepare().ok());
  const auto instance = make_instance(work.path);
  const auto temp = store.temp_path();
  fs::copy_file(instance.path, temp);
  const auto reply = store.commit(temp, UID_CTImageStorage, "1.2.3.4", "MODALITY1");
  EXPECT_EQ(reply.status, 0xA900);
  EXPECT_TRUE(files_under(storage.path).empty());
}

TEST(InstanceStore, RefusesADataSetOfAnotherClassThanTheRequest) {
  TempDir storage, work;
  ServerConfig config = storing_into(storage.path);
  internal::InstanceStore store(config, {});
  ASSERT_TRUE(store.prepare().ok());
  const auto instance = make_instance(work.path);
  const auto temp = store.temp_path();
  fs::copy_file(instance.path, temp);
  const auto reply = store.commit(temp, UID_MRImageStorage, instance.sop_uid, "MODALITY1");
  EXPECT_EQ(reply.status, 0xA900);
  EXPECT_TRUE(files_under(storage.path).empty());
}

TEST(InstanceStore, RefusesUidsThatWouldNameOtherPaths) {
  TempDir storage, work;
  ServerConfig config = storing_into(storage.path);
  internal::InstanceStore store(config, {});
  ASSERT_TRUE(store.prepare().ok());
  Instance uids;
  uids.study_uid = "..";
  const auto instance = make_instance(work.path, uids);
  const auto temp = store.temp_path();
  fs::copy_file(instance.path, temp);
  const auto reply = store.commit(temp, UID_CTImageStorage, instance.sop_uid, "MODALITY1");
  EXPECT_EQ(reply.status, 0xC000);
  EXPECT_NE(reply.detail.find("\"..\""), std::string::npos) << reply.detail;
  EXPECT_TRUE(files_under(storage.path).empty());
}

}  // namespace
}  // namespace radloop::dicom
