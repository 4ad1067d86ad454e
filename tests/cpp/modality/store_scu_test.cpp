// The modality's C-STORE sender against the reference archive and DCMTK's storescp: what each
// side saw, instance by instance, including the failures the sender can be made to cause.
#include "simulators/modality/store_scu.hpp"

#include <gtest/gtest.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <cstdlib>
#include <thread>

#include "reference/dicom/echo_scu.hpp"
#include "reference/dicom/internal/requestor.hpp"
#include "reference/dicom/server.hpp"
#include "simulators/modality/study.hpp"
#include "tests/cpp/dicom/store_fixture.hpp"
#include "tests/cpp/modality/peer_fixture.hpp"
#include "tests/cpp/modality/study_fixture.hpp"

namespace radloop::modality {
namespace {

using dicom::AssociationEvent;
using Kind = StoreOutcome::Kind;

std::vector<std::filesystem::path> paths(const std::vector<SynthesizedInstance>& study) {
  std::vector<std::filesystem::path> out;
  for (const auto& i : study) out.push_back(i.path);
  return out;
}

class StoreScu : public ::testing::Test {
 protected:
  void start(dicom::ServerConfig config = {}) {
    config.storage_dir = (scratch_.path() / "archive").string();
    config.durability = dicom::ServerConfig::Durability::none;
    server_ = dicom::test_support::start_server(recorder_, std::move(config));
    target_.port = server_->port();
  }

  std::vector<std::filesystem::path> study(std::uint32_t series, std::uint32_t per_series,
                                           std::string_view syntax = transfer_syntax::explicit_le) {
    auto spec = testing::sample_spec(Modality::ct);
    spec.series_count = series;
    spec.instances_per_series = per_series;
    spec.transfer_syntax_uid = std::string(syntax);
    spec.seed += static_cast<std::uint64_t>(studies_);  // each study of a test its own UIDs
    truth_ = {spec.patient.id, spec.order.accession_number, ""};
    auto made = synthesize_study(spec, scratch_.path() / ("study-" + std::to_string(++studies_)));
    EXPECT_TRUE(made.ok());
    return paths(*made);
  }

  // Two instances uncompressed, then two in JPEG-LS, to an archive taking only `syntaxes`.
  std::vector<std::filesystem::path> mixed_study_for(std::vector<std::string> syntaxes) {
    dicom::ServerConfig config;
    config.transfer_syntaxes = std::move(syntaxes);
    start(config);
    auto files = study(1, 2);
    const auto compressed = study(1, 2, transfer_syntax::jpeg_ls_lossless);
    files.insert(files.end(), compressed.begin(), compressed.end());
    return files;
  }

  // The archive refused the JPEG-LS context, once, and said so.
  void expect_jpeg_ls_context_refused() {
    const auto refused = recorder_.of(AssociationEvent::Kind::context_rejected);
    ASSERT_EQ(refused.size(), 1U);
    EXPECT_NE(refused[0].reason.find("JPEGLSLossless"), std::string::npos) << refused[0].reason;
  }

  StoreReport send(const std::vector<std::filesystem::path>& files, const StoreOptions& options = {}) {
    auto report = send_instances(target_, files, options, log_, truth_);
    EXPECT_TRUE(report.ok()) << report.error().message();
    return std::move(report).value();
  }

  std::size_t files_in_archive() const {
    std::size_t n = 0;
    for (const auto& e : std::filesystem::recursive_directory_iterator(scratch_.path() / "archive")) {
      n += e.is_regular_file() && e.path().extension() == ".dcm" ? 1 : 0;
    }
    return n;
  }

  testing::ScratchDir scratch_;
  dicom::test_support::Recorder recorder_;
  std::unique_ptr<dicom::Server> server_;
  Target target_;
  EventLog log_;
  GroundTruth truth_;
  int studies_ = 0;
};

TEST_F(StoreScu, SendsAStudyOverFourConcurrentAssociations) {
  start();
  const auto files = study(2, 6);
  StoreOptions options;
  options.associations = 4;
  const auto report = send(files, options);
  EXPECT_EQ(report.accepted(), 12U);
  EXPECT_EQ(report.count(Kind::answered), 12U);
  server_->stop();
  EXPECT_EQ(server_->stats().instances_stored, 12U);
  EXPECT_EQ(server_->stats().associations_accepted, 4U);
  EXPECT_EQ(files_in_archive(), 12U);
  EXPECT_EQ(log_.of("association").size(), 4U);
  const auto stores = log_.of("store");
  ASSERT_EQ(stores.size(), 12U);
  EXPECT_EQ(stores[0].truth.accession_number, "ACC000042");
  EXPECT_EQ(*stores[0].status, 0);
  std::set<unsigned> used;
  for (const auto& o : report.outcomes) used.insert(o.association);
  EXPECT_EQ(used.size(), 4U);
}

// Round robin deals the instances out like cards: file i goes on association i mod N.
TEST_F(StoreScu, RoundRobinDealsTheInstancesOutAcrossTheAssociations) {
  start();
  const auto files = study(1, 7);
  StoreOptions options;
  options.associations = 3;
  options.split = StoreOptions::Split::round_robin;
  const auto report = send(files, options);
  EXPECT_EQ(report.accepted(), 7U);
  ASSERT_EQ(report.outcomes.size(), 7U);
  for (std::size_t i = 0; i < report.outcomes.size(); ++i) {
    EXPECT_EQ(report.outcomes[i].association, i % 3) << i;
    EXPECT_EQ(report.outcomes[i].path, files[i]);
  }
  server_->stop();
  EXPECT_EQ(server_->stats().associations_accepted, 3U);
  EXPECT_EQ(server_->stats().instances_stored, 7U);
}

// Contiguous runs keep neighbours together: the associations' shares are in file order.
TEST_F(StoreScu, ContiguousRunsKeepNeighboursOnOneAssociation) {
  start();
  const auto files = study(1, 7);
  StoreOptions options;
  options.associations = 3;
  const auto report = send(files, options);
  EXPECT_EQ(report.accepted(), 7U);
  std::vector<unsigned> shares(3, 0);
  for (std::size_t i = 0; i < report.outcomes.size(); ++i) {
    ++shares[report.outcomes[i].association];
    if (i > 0) {
      EXPECT_GE(report.outcomes[i].association, report.outcomes[i - 1].association) << i;
    }
  }
  for (const auto n : shares) EXPECT_GE(n, 2U);
}

TEST(StoreSplit, NamesRoundTripAndTheUnknownIsRefused) {
  for (const auto split : {StoreOptions::Split::contiguous, StoreOptions::Split::round_robin}) {
    const auto parsed = parse_split(to_string(split));
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(*parsed, split);
  }
  const auto bad = parse_split("striped");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, Errc::invalid_config);
}

// Nagle's algorithm would hold each small DIMSE message ~40 ms for the peer's delayed ACK; the
// requestor turns it off even when the environment says TCP_NODELAY=0 (DCMTK would obey that).
TEST_F(StoreScu, TheSendersSocketHasNagleOffWhateverTheEnvironmentSays) {
  start();
  const char* before = std::getenv("TCP_NODELAY");
  const std::string saved = before == nullptr ? "" : before;
  ::setenv("TCP_NODELAY", "0", 1);
  auto opened = dicom::internal::Requestor::open(
      {"127.0.0.1", target_.port, target_.calling_ae, target_.called_ae, std::chrono::seconds(10), 16384},
      {{"1.2.840.10008.1.1", {"1.2.840.10008.1.2"}}});
  if (before == nullptr) {
    ::unsetenv("TCP_NODELAY");
  } else {
    ::setenv("TCP_NODELAY", saved.c_str(), 1);
  }
  ASSERT_TRUE(opened.ok()) << opened.error().message();
  int on = 0;
  socklen_t length = sizeof on;
  ASSERT_EQ(::getsockopt((*opened)->socket(), IPPROTO_TCP, TCP_NODELAY, &on, &length), 0);
  EXPECT_NE(on, 0);
  (*opened)->release();
}

TEST_F(StoreScu, AbortsAfterNInstancesAndTheArchiveKeepsOnlyThose) {
  start();
  const auto files = study(1, 6);
  StoreOptions options;
  options.abort_after = 3;
  const auto report = send(files, options);
  EXPECT_EQ(report.count(Kind::answered), 3U);
  EXPECT_EQ(report.count(Kind::not_sent), 3U);
  ASSERT_EQ(log_.of("abort").size(), 1U);
  server_->stop();
  EXPECT_EQ(server_->stats().instances_stored, 3U);
  EXPECT_EQ(files_in_archive(), 3U);
  EXPECT_EQ(recorder_.of(AssociationEvent::Kind::aborted).size(), 1U);
}

// abort_after counts across associations: once N are answered every association is aborted;
// the other one may have had one C-STORE in flight, which is answered before it stops.
TEST_F(StoreScu, AbortAfterNAcrossTwoAssociationsAbortsBoth) {
  start();
  const auto files = study(1, 8);
  StoreOptions options;
  options.associations = 2;
  options.abort_after = 3;
  const auto report = send(files, options);
  const auto answered = report.count(Kind::answered);
  EXPECT_GE(answered, 3U);
  EXPECT_LE(answered, 4U);
  EXPECT_EQ(report.count(Kind::not_sent), 8U - answered);
  EXPECT_EQ(log_.of("abort").size(), 1U);
  server_->stop();
  EXPECT_EQ(server_->stats().instances_stored, answered);
  EXPECT_EQ(recorder_.of(AssociationEvent::Kind::aborted).size(), 2U);
}

// The archive takes only uncompressed syntaxes; a modality that proposes only JPEG-LS is turned
// away, and the archive says which context it refused. Nothing arrives.
TEST_F(StoreScu, ProposingOnlyAnUnacceptedTransferSyntaxSendsNothing) {
  dicom::ServerConfig config;
  config.transfer_syntaxes = {"1.2.840.10008.1.2.1", "1.2.840.10008.1.2"};
  start(config);
  const auto files = study(1, 2, transfer_syntax::jpeg_ls_lossless);
  StoreOptions options;
  options.proposed_transfer_syntaxes = {std::string(transfer_syntax::jpeg_ls_lossless)};
  const auto report = send(files, options);
  EXPECT_EQ(report.count(Kind::not_sent), 2U);
  const auto rejected = log_.of("association_rejected");
  ASSERT_EQ(rejected.size(), 1U);
  EXPECT_NE(rejected[0].detail.find("No Reason"), std::string::npos) << rejected[0].detail;
  server_->stop();
  EXPECT_EQ(server_->stats().instances_stored, 0U);
  expect_jpeg_ls_context_refused();
}

// One association, two encodings: the archive refuses the JPEG-LS context. The uncompressed files
// go out as they are; each JPEG-LS file is decompressed into the uncompressed context the archive
// accepted, so every instance lands, and the archive reports the context it refused.
TEST_F(StoreScu, ACompressedInstanceTheArchiveRefusesIsSentDecompressed) {
  const auto report = send(mixed_study_for({"1.2.840.10008.1.2.1", "1.2.840.10008.1.2"}));
  ASSERT_EQ(report.outcomes.size(), 4U);
  EXPECT_EQ(report.accepted(), 4U);
  EXPECT_EQ(report.outcomes[0].sent_transfer_syntax_uid, transfer_syntax::explicit_le);
  EXPECT_EQ(report.outcomes[2].transfer_syntax_uid, transfer_syntax::jpeg_ls_lossless);
  EXPECT_EQ(report.outcomes[2].sent_transfer_syntax_uid, transfer_syntax::explicit_le);
  const auto stores = log_.of("store");
  ASSERT_EQ(stores.size(), 4U);
  EXPECT_NE(stores[2].detail.find("converted from 1.2.840.10008.1.2.4.80"), std::string::npos) << stores[2].detail;
  server_->stop();
  EXPECT_EQ(server_->stats().instances_stored, 4U);
  expect_jpeg_ls_context_refused();
}

// An archive that takes JPEG-LS only: uncompressed files have no context they can go out in (the
// sender decompresses, it never compresses), and each is recorded as refused, none skipped
// silently; the JPEG-LS files land as they are.
TEST_F(StoreScu, AnInstanceWithNoContextItCanBeSentInIsRecordedAsRefused) {
  const auto report = send(mixed_study_for({std::string(transfer_syntax::jpeg_ls_lossless)}));
  ASSERT_EQ(report.outcomes.size(), 4U);
  EXPECT_EQ(report.outcomes[0].kind, Kind::context_refused);
  EXPECT_EQ(report.outcomes[1].kind, Kind::context_refused);
  EXPECT_EQ(report.outcomes[2].kind, Kind::answered);
  EXPECT_EQ(report.outcomes[3].kind, Kind::answered);
  EXPECT_EQ(report.outcomes[2].sent_transfer_syntax_uid, transfer_syntax::jpeg_ls_lossless);
  EXPECT_NE(report.outcomes[0].detail.find("no accepted presentation context"), std::string::npos)
      << report.outcomes[0].detail;
  const auto not_sent = log_.of("not_sent");
  ASSERT_EQ(not_sent.size(), 2U);
  EXPECT_EQ(not_sent[0].sop_instance_uid, report.outcomes[0].sop_instance_uid);
  EXPECT_FALSE(not_sent[0].status.has_value());
  server_->stop();
  EXPECT_EQ(server_->stats().instances_stored, 2U);
}

TEST_F(StoreScu, AWrongCaseCalledAeIsRejectedWithThePeersReason) {
  start();
  target_.called_ae = "radloop";
  const auto report = send(study(1, 1));
  EXPECT_EQ(report.count(Kind::not_sent), 1U);
  const auto rejected = log_.of("association_rejected");
  ASSERT_EQ(rejected.size(), 1U);
  EXPECT_NE(rejected[0].detail.find("Called AE Title Not Recognized"), std::string::npos) << rejected[0].detail;
}

TEST_F(StoreScu, ResendingTheSameStudyIsAcceptedOnceAndCountedAsDuplicates) {
  start();
  const auto files = study(1, 3);
  EXPECT_EQ(send(files).accepted(), 3U);
  EXPECT_EQ(send(files).accepted(), 3U);
  server_->stop();
  EXPECT_EQ(server_->stats().instances_stored, 3U);
  EXPECT_EQ(server_->stats().duplicates, 3U);
  EXPECT_EQ(files_in_archive(), 3U);
}

TEST_F(StoreScu, ASlowSenderStillDeliversEveryInstance) {
  dicom::ServerConfig config;
  config.max_pdu_bytes = 4096;  // more PDUs per instance, each followed by the pause
  start(config);
  StoreOptions options;
  options.pdu_delay = std::chrono::milliseconds(5);
  const auto report = send(study(1, 2), options);
  EXPECT_EQ(report.accepted(), 2U);
}

TEST_F(StoreScu, RefusesAFileThatIsNotDicom) {
  start();
  const auto junk = scratch_.path() / "junk.dcm";
  std::ofstream(junk) << "not dicom";
  const auto report = send_instances(target_, {junk}, {}, log_, truth_);
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.error().code, Errc::invalid_config);
}

// DCMTK's storescp on a free port, answering C-ECHO before the test goes on.
class Storescp {
 public:
  Storescp(const std::filesystem::path& out, const std::vector<std::string>& options)
      : port_(testing::free_port()), process_(arguments(out, options, port_)) {
    dicom::EchoRequest echo;
    echo.port = port_;
    echo.called_ae = "DCMTKSCP";
    for (int attempt = 0; attempt < 100 && !dicom::echo(echo).ok(); ++attempt) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }

  [[nodiscard]] Target target() const {
    Target t;
    t.port = port_;
    t.called_ae = "DCMTKSCP";
    return t;
  }

 private:
  static std::vector<std::string> arguments(const std::filesystem::path& out, const std::vector<std::string>& options,
                                            std::uint16_t port) {
    std::vector<std::string> args{"storescp", "-aet", "DCMTKSCP", "-od", out.string()};
    args.insert(args.end(), options.begin(), options.end());
    args.push_back(std::to_string(port));
    return args;
  }

  std::uint16_t port_;
  testing::PeerProcess process_;
};

std::size_t files_in(const std::filesystem::path& dir) {
  std::size_t n = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) n += e.is_regular_file() ? 1 : 0;
  return n;
}

// DCMTK's own SCP receives what we send: every file lands in its output folder.
TEST(StoreScuInterop, DcmtkStorescpReceivesTheStudy) {
  testing::ScratchDir scratch;
  auto spec = testing::sample_spec(Modality::mr);
  spec.instances_per_series = 3;
  auto made = synthesize_study(spec, scratch.path() / "study");
  ASSERT_TRUE(made.ok());
  const auto out = scratch.path() / "received";
  std::filesystem::create_directories(out);
  const Storescp scp(out, {});
  EventLog log;
  const auto report = send_instances(scp.target(), paths(*made), {}, log, {});
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->accepted(), made->size());
  EXPECT_EQ(files_in(out), made->size());
}

// A study in `syntax` sent to storescp started with `options`: every instance lands, in the
// transfer syntax the receiver chose.
void expect_storescp_receives_all(std::string_view syntax, const std::vector<std::string>& options,
                                  std::string_view sent_in) {
  testing::ScratchDir scratch;
  auto spec = testing::sample_spec(Modality::ct);
  spec.instances_per_series = 3;
  spec.transfer_syntax_uid = std::string(syntax);
  auto made = synthesize_study(spec, scratch.path() / "study");
  ASSERT_TRUE(made.ok());
  const auto out = scratch.path() / "received";
  std::filesystem::create_directories(out);
  const Storescp scp(out, options);
  EventLog log;
  const auto report = send_instances(scp.target(), paths(*made), {}, log, {});
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->accepted(), made->size());
  for (const auto& o : report->outcomes) EXPECT_EQ(o.sent_transfer_syntax_uid, sent_in) << o.detail;
  EXPECT_EQ(files_in(out), made->size());
}

// storescp +xi accepts Implicit VR Little Endian only, the one syntax every SCP must take: an
// Explicit VR study is converted and every instance lands.
TEST(StoreScuInterop, StorescpTakingImplicitVrOnlyReceivesEveryInstance) {
  expect_storescp_receives_all(transfer_syntax::explicit_le, {"+xi"}, transfer_syntax::implicit_le);
}

// A JPEG-LS study to the same receiver: decompressed, then sent in Implicit VR.
TEST(StoreScuInterop, StorescpTakingImplicitVrOnlyReceivesADecompressedJpegLsStudy) {
  expect_storescp_receives_all(transfer_syntax::jpeg_ls_lossless, {"+xi"}, transfer_syntax::implicit_le);
}

// storescp +xa accepts every syntax: the JPEG-LS study goes out as it is.
TEST(StoreScuInterop, StorescpAcceptingAllSyntaxesReceivesJpegLsAsItIs) {
  expect_storescp_receives_all(transfer_syntax::jpeg_ls_lossless, {"+xa"}, transfer_syntax::jpeg_ls_lossless);
}

// storescp with its default options takes a JPEG-LS study decompressed (its default proposes
// uncompressed syntaxes only).
TEST(StoreScuInterop, StorescpWithDefaultOptionsReceivesADecompressedJpegLsStudy) {
  expect_storescp_receives_all(transfer_syntax::jpeg_ls_lossless, {}, transfer_syntax::explicit_le);
}

// storescp --abort-after drops each association on its first C-STORE request. Each association
// reports that instance as broken off and the rest of its share as not sent; the other
// association still gets its own first instance out, whatever the order of the two.
TEST(StoreScuInterop, AReceiverThatAbortsEndsOnlyThatAssociation) {
  testing::ScratchDir scratch;
  auto spec = testing::sample_spec(Modality::ct);
  spec.series_count = 1;
  spec.instances_per_series = 6;
  auto made = synthesize_study(spec, scratch.path() / "study");
  ASSERT_TRUE(made.ok());
  const auto out = scratch.path() / "received";
  std::filesystem::create_directories(out);
  const Storescp scp(out, {"--abort-after"});
  EventLog log;
  StoreOptions options;
  options.associations = 2;
  const auto report = send_instances(scp.target(), paths(*made), options, log, {});
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->accepted(), 0U);
  EXPECT_EQ(report->count(Kind::broke_off), 2U);
  EXPECT_EQ(report->count(Kind::not_sent), 4U);
  for (const auto& o : report->outcomes) {
    if (o.kind == Kind::not_sent) {
      EXPECT_NE(o.detail.find("broke off"), std::string::npos) << o.detail;
    }
  }
  EXPECT_EQ(log.of("store").size(), 2U);
}

}  // namespace
}  // namespace radloop::modality
