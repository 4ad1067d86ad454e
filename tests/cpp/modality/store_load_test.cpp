// The archive under load and under broken connections, driven by the modality's sender and by
// a requester that cuts its own connection mid-instance: nothing lost, nothing half-written.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcmetinf.h>
#include <dcmtk/dcmnet/dimse.h>

#include <filesystem>
#include <set>

#include "reference/dicom/internal/requestor.hpp"
#include "reference/dicom/server.hpp"
#include "simulators/modality/store_scu.hpp"
#include "tests/cpp/dicom/store_fixture.hpp"
#include "tests/cpp/modality/study_fixture.hpp"

namespace radloop::modality {
namespace {

using dicom::AssociationEvent;

struct Archive {
  testing::ScratchDir scratch;
  dicom::test_support::Recorder recorder;
  std::unique_ptr<dicom::Server> server;

  explicit Archive(unsigned max_associations = 8) {
    dicom::ServerConfig config;
    config.storage_dir = (scratch.path() / "archive").string();
    config.max_associations = max_associations;
    server = dicom::test_support::start_server(recorder, config);
  }
  [[nodiscard]] std::size_t files() const {
    std::size_t n = 0;
    for (const auto& e : std::filesystem::recursive_directory_iterator(scratch.path() / "archive")) {
      n += e.is_regular_file() ? 1 : 0;
    }
    return n;
  }
  [[nodiscard]] bool incoming_empty() const {
    return std::filesystem::is_empty(scratch.path() / "archive" / ".incoming");
  }
};

TEST(StoreLoad, EightAssociationsOfAHundredInstancesEachLandExactly) {
  Archive archive;
  testing::ScratchDir work;
  auto spec = testing::sample_spec(Modality::ct);
  spec.series_count = 8;
  spec.instances_per_series = 100;
  spec.rows = 32;
  spec.columns = 32;
  auto study = synthesize_study(spec, work.path());
  ASSERT_TRUE(study.ok());
  std::vector<std::filesystem::path> files;
  for (const auto& i : *study) files.push_back(i.path);
  Target target;
  target.port = archive.server->port();
  StoreOptions options;
  options.associations = 8;
  EventLog log;
  const auto report = send_instances(target, files, options, log, {});
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->accepted(), 800U);
  archive.server->stop();
  const auto stats = archive.server->stats();
  EXPECT_EQ(stats.instances_stored, 800U);
  EXPECT_EQ(stats.duplicates, 0U);
  EXPECT_EQ(stats.store_failures, 0U);
  EXPECT_EQ(stats.associations_accepted, 8U);
  EXPECT_EQ(archive.files(), 800U);
  EXPECT_TRUE(archive.incoming_empty());
  std::set<std::string> uids;
  for (const auto& r : archive.recorder.records) uids.insert(r.sop_instance_uid);
  EXPECT_EQ(uids.size(), 800U);
}

// A requester that resets its TCP connection (SO_LINGER 0, then close) in the middle of a data
// set: the archive keeps nothing of it, says so, and serves the next association.
TEST(StoreLoad, AConnectionResetMidInstanceLeavesNothingBehind) {
  Archive archive;
  testing::ScratchDir work;
  auto spec = testing::sample_spec(Modality::ct);
  spec.series_count = 1;
  spec.instances_per_series = 2;
  spec.rows = 512;
  spec.columns = 512;  // 512 KiB of pixels: many PDUs
  auto study = synthesize_study(spec, work.path());
  ASSERT_TRUE(study.ok());
  const auto& victim = (*study)[0];

  dicom::internal::RequestorConfig config{"127.0.0.1", archive.server->port(),   "MODALITY",
                                          "RADLOOP",   std::chrono::seconds(10), 16384};
  auto requestor = dicom::internal::Requestor::open(config, {{victim.sop_class_uid, {"1.2.840.10008.1.2.1"}}});
  ASSERT_TRUE(requestor.ok()) << requestor.error().message();
  struct Cut {
    int fd;
    bool done = false;
  } cut{(*requestor)->socket()};
  const auto reset_after_a_few_pdus = [](void* data, T_DIMSE_StoreProgress* progress, T_DIMSE_C_StoreRQ*) {
    auto* c = static_cast<Cut*>(data);
    if (c->done || progress->callbackCount < 4) return;
    linger hard{1, 0};
    ::setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
    // Closing a socket with linger 0 sends RST. dup2 closes it and puts /dev/null in its place
    // in one step, so DCMTK's later writes go nowhere and the number is never reused meanwhile.
    const int sink = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
    ::dup2(sink, c->fd);
    ::close(sink);
    c->done = true;
  };
  T_DIMSE_C_StoreRQ request{};
  request.MessageID = (*requestor)->next_message_id();
  OFStandard::strlcpy(request.AffectedSOPClassUID, victim.sop_class_uid.c_str(), sizeof request.AffectedSOPClassUID);
  OFStandard::strlcpy(request.AffectedSOPInstanceUID, victim.sop_instance_uid.c_str(),
                      sizeof request.AffectedSOPInstanceUID);
  request.DataSetType = DIMSE_DATASET_PRESENT;
  T_DIMSE_C_StoreRSP response{};
  DcmDataset* detail = nullptr;
  const auto cond =
      DIMSE_storeUser((*requestor)->association(), 1, &request, victim.path.c_str(), nullptr, reset_after_a_few_pdus,
                      &cut, DIMSE_BLOCKING, 10, &response, &detail, nullptr, static_cast<long>(victim.size_bytes));
  delete detail;  // NOLINT(cppcoreguidelines-owning-memory)
  EXPECT_TRUE(cut.done);
  EXPECT_TRUE(cond.bad());
  requestor->reset();  // drops what is left of the association

  // The archive serves the next modality as if nothing happened.
  Target target;
  target.port = archive.server->port();
  EventLog log;
  const auto next = send_instances(target, {(*study)[1].path}, {}, log, {});
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(next->accepted(), 1U);
  archive.server->stop();
  EXPECT_EQ(archive.server->stats().instances_stored, 1U);
  EXPECT_EQ(archive.files(), 1U);
  EXPECT_TRUE(archive.incoming_empty());
  const auto failed = archive.recorder.of(AssociationEvent::Kind::store_failed);
  ASSERT_EQ(failed.size(), 1U);
  EXPECT_NE(failed[0].reason.find(victim.sop_instance_uid + " broke off"), std::string::npos) << failed[0].reason;
}

}  // namespace
}  // namespace radloop::modality
