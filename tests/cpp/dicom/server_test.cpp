// The DICOM server and C-ECHO user over real loopback associations.
#include "reference/dicom/server.hpp"

#include <arpa/inet.h>
#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <dcmtk/dcmnet/assoc.h>
#include <dcmtk/dcmnet/dimse.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <fstream>
#include <iomanip>
#include <map>
#include <mutex>
#include <optional>
#include <sstream>
#include <thread>

#include "reference/dicom/echo_scu.hpp"
#include "reference/dicom/internal/requestor.hpp"
#include "tests/cpp/dicom/store_fixture.hpp"

namespace radloop::dicom {
namespace {

using namespace std::chrono_literals;
using test_support::connect_to;

// Collects events from service threads.
struct Recorder {
  std::mutex mutex;
  std::vector<AssociationEvent> events;
  EventObserver observer() {
    return [this](const AssociationEvent& e) {
      std::lock_guard lock(mutex);
      events.push_back(e);
    };
  }
  std::vector<AssociationEvent::Kind> kinds() {
    std::lock_guard lock(mutex);
    std::vector<AssociationEvent::Kind> out;
    for (const auto& e : events) out.push_back(e.kind);
    return out;
  }
  // The first event of a kind; connections run on threads of their own, so order across them
  // is not fixed.
  std::optional<AssociationEvent> first(AssociationEvent::Kind kind) {
    std::lock_guard lock(mutex);
    for (const auto& e : events) {
      if (e.kind == kind) return e;
    }
    return std::nullopt;
  }
};

std::unique_ptr<Server> start_server(Recorder& recorder, ServerConfig config = {}) {
  auto server = Server::start(std::move(config), recorder.observer());
  EXPECT_TRUE(server.ok()) << server.error().message();
  return std::move(server).value();
}

TEST(DicomServer, AnswersCEchoWithSuccess) {
  Recorder recorder;
  auto server = start_server(recorder);
  ASSERT_NE(server->port(), 0);
  auto result = echo(EchoRequest{"127.0.0.1", server->port(), "MODALITY1", "RADLOOP"});
  ASSERT_TRUE(result.ok()) << result.error().message();
  EXPECT_EQ(result->status, 0x0000);
  server->stop();  // joins the association thread, so every event is in
  EXPECT_EQ(recorder.kinds(), (std::vector{AssociationEvent::Kind::accepted, AssociationEvent::Kind::echo,
                                           AssociationEvent::Kind::released}));
  EXPECT_EQ(recorder.events.front().calling_ae, "MODALITY1");
  EXPECT_EQ(server->stats().echoes_answered, 1U);
}

TEST(DicomServer, RejectsACalledAeTitleThatDiffersOnlyInCase) {
  Recorder recorder;
  auto server = start_server(recorder);
  auto result = echo(EchoRequest{"127.0.0.1", server->port(), "MODALITY1", "radloop"});
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, Errc::dicom_association_rejected);
  EXPECT_NE(result.error().detail.find("Called AE Title Not Recognized"), std::string::npos) << result.error().detail;
  server->stop();
  ASSERT_EQ(recorder.kinds(), std::vector{AssociationEvent::Kind::rejected});
  EXPECT_NE(recorder.events[0].reason.find("called AE title not recognized"), std::string::npos);
  EXPECT_EQ(server->stats().associations_rejected, 1U);
}

TEST(DicomServer, TalksOnlyToAllowedCallingAeTitles) {
  Recorder recorder;
  ServerConfig config;
  config.allowed_callers = {{"CT_SCANNER_1", ""}, {"MR_1", "127.0.0.1"}};
  auto server = start_server(recorder, config);
  EXPECT_TRUE(echo(EchoRequest{"127.0.0.1", server->port(), "CT_SCANNER_1", "RADLOOP"}).ok());
  EXPECT_TRUE(echo(EchoRequest{"127.0.0.1", server->port(), "MR_1", "RADLOOP"}).ok());
  auto unknown = echo(EchoRequest{"127.0.0.1", server->port(), "ct_scanner_1", "RADLOOP"});
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.error().detail.find("Calling AE Title Not Recognized"), std::string::npos)
      << unknown.error().detail;
  server->stop();
  std::lock_guard lock(recorder.mutex);
  const auto& rejected = recorder.events.back();
  EXPECT_EQ(rejected.kind, AssociationEvent::Kind::rejected);
  EXPECT_EQ(rejected.calling_ae, "ct_scanner_1");
  EXPECT_NE(rejected.reason.find("calling AE title not allowed (\"ct_scanner_1\" is not on the allow-list)"),
            std::string::npos)
      << rejected.reason;
  EXPECT_EQ(server->stats().associations_accepted, 2U);
  EXPECT_EQ(server->stats().associations_rejected, 1U);
}

TEST(DicomServer, RejectsAnAllowedAeCallingFromAnotherHost) {
  Recorder recorder;
  ServerConfig config;
  config.allowed_callers = {{"CT_SCANNER_1", "10.1.2.3"}};
  auto server = start_server(recorder, config);
  auto elsewhere = echo(EchoRequest{"127.0.0.1", server->port(), "CT_SCANNER_1", "RADLOOP"});
  ASSERT_FALSE(elsewhere.ok());
  EXPECT_EQ(elsewhere.error().code, Errc::dicom_association_rejected);
  server->stop();
  ASSERT_EQ(recorder.kinds(), std::vector{AssociationEvent::Kind::rejected});
  EXPECT_NE(recorder.events[0].reason.find("calling host not allowed (\"CT_SCANNER_1\" may not call from 127.0.0.1)"),
            std::string::npos)
      << recorder.events[0].reason;
}

// An A-ASSOCIATE-RQ as a peer's bytes (PS3.8 9.3.2), with the presentation contexts given as they
// are: IDs may repeat, and there may be none.
struct ProposedContext {
  std::uint8_t id;
  std::string abstract_syntax;
  std::vector<std::string> transfer_syntaxes;
};

std::string associate_rq(const std::vector<ProposedContext>& contexts) {
  const auto u16 = [](std::size_t n) { return std::string{static_cast<char>(n >> 8), static_cast<char>(n & 0xFF)}; };
  const auto item = [&](char type, const std::string& body) {
    return std::string{type, '\0'} + u16(body.size()) + body;
  };
  const auto ae = [](std::string title) {
    title.resize(16, ' ');
    return title;
  };
  std::string items = item('\x10', "1.2.840.10008.3.1.1.1");
  for (const auto& c : contexts) {
    std::string body{static_cast<char>(c.id), '\0', '\0', '\0'};
    body += item('\x30', c.abstract_syntax);
    for (const auto& ts : c.transfer_syntaxes) body += item('\x40', ts);
    items += item('\x20', body);
  }
  items += item('\x50', item('\x51', std::string{'\0', '\0', '\x40', '\0'}));  // max PDU 16 KiB
  const std::string body =
      std::string{'\0', '\x01', '\0', '\0'} + ae("RADLOOP") + ae("PEER") + std::string(32, '\0') + items;
  const auto n = body.size();
  return std::string{'\x01',
                     '\0',
                     static_cast<char>(n >> 24),
                     static_cast<char>(n >> 16),
                     static_cast<char>(n >> 8),
                     static_cast<char>(n)} +
         body;
}

// The server's answer to raw request bytes: everything it sends until it closes or goes quiet.
std::string answer_to(std::uint16_t port, const std::string& request) {
  const int fd = connect_to(port);
  EXPECT_EQ(::write(fd, request.data(), request.size()), static_cast<ssize_t>(request.size()));
  const timeval wait{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &wait, sizeof wait);
  std::string reply;
  std::array<char, 4096> buffer{};
  // The A-ASSOCIATE-AC or -RJ: its six-byte header says how long it is.
  while (reply.size() < 6 || reply.size() < 6 + (static_cast<std::size_t>(static_cast<std::uint8_t>(reply[2])) << 24 |
                                                 static_cast<std::size_t>(static_cast<std::uint8_t>(reply[3])) << 16 |
                                                 static_cast<std::size_t>(static_cast<std::uint8_t>(reply[4])) << 8 |
                                                 static_cast<std::uint8_t>(reply[5]))) {
    const auto n = ::read(fd, buffer.data(), buffer.size());
    if (n <= 0) break;
    reply.append(buffer.data(), static_cast<std::size_t>(n));
  }
  ::close(fd);
  return reply;
}

// The result of each presentation context in an A-ASSOCIATE-AC, by ID.
std::map<int, int> context_results(const std::string& ac) {
  std::map<int, int> results;
  for (std::size_t at = 74; at + 4 <= ac.size();) {
    const auto length =
        static_cast<std::size_t>(static_cast<std::uint8_t>(ac[at + 2])) << 8 | static_cast<std::uint8_t>(ac[at + 3]);
    if (ac[at] == '\x21' && at + 8 <= ac.size())
      results[static_cast<std::uint8_t>(ac[at + 4])] = static_cast<std::uint8_t>(ac[at + 6]);
    at += 4 + length;
  }
  return results;
}

TEST(DicomServer, RejectsARequestProposingNoPresentationContext) {
  Recorder recorder;
  auto server = start_server(recorder);
  const auto reply = answer_to(server->port(), associate_rq({}));
  ASSERT_FALSE(reply.empty()) << "answered, not just closed";
  EXPECT_EQ(reply[0], '\x03') << "A-ASSOCIATE-RJ";
}

// DCMTK accepts and refuses by context ID and leaves the result of a repeated proposal unset: an
// ID proposed twice is negotiated once, as first proposed (CT here), never refused for the
// syntaxes of its second proposal.
TEST(DicomServer, AContextIdProposedTwiceIsNegotiatedAsFirstProposed) {
  Recorder recorder;
  auto server = start_server(recorder);
  const auto reply = answer_to(server->port(),
                               associate_rq({{1, UID_CTImageStorage, {UID_LittleEndianImplicitTransferSyntax}},
                                             {1, UID_MRImageStorage, {"1.2.3.4.5.6.7"}},
                                             {3, UID_VerificationSOPClass, {UID_LittleEndianImplicitTransferSyntax}}}));
  ASSERT_FALSE(reply.empty());
  ASSERT_EQ(reply[0], '\x02') << "A-ASSOCIATE-AC";
  const auto results = context_results(reply);
  ASSERT_TRUE(results.contains(1));
  EXPECT_EQ(results.at(1), 0) << "CT accepted";
  ASSERT_TRUE(results.contains(3));
  EXPECT_EQ(results.at(3), 0);
}

TEST(DicomServer, SurvivesBytesThatAreNotAnAssociationRequest) {
  Recorder recorder;
  ServerConfig config;
  config.acse_timeout = 2s;
  auto server = start_server(recorder, config);
  {
    const int fd = connect_to(server->port());
    const std::string junk = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
    ASSERT_EQ(::write(fd, junk.data(), junk.size()), static_cast<ssize_t>(junk.size()));
    ::close(fd);
  }
  auto result = echo(EchoRequest{"127.0.0.1", server->port(), "MODALITY1", "RADLOOP"});
  ASSERT_TRUE(result.ok()) << result.error().message();
  server->stop();
  const auto rejected = recorder.first(AssociationEvent::Kind::rejected);
  ASSERT_TRUE(rejected);
  // 'G' is no PDU type, and "T / " read as its length is far past any limit: refused at once.
  EXPECT_NE(rejected->reason.find("refused: PDU 1 (unknown, type 0x47)"), std::string::npos) << rejected->reason;
}

// A peer that connects and says nothing holds only its own connection until the ARTIM timeout
// (a minute here, longer than the echo below waits); everyone else is served meanwhile, and
// stop() does not wait for it either.
TEST(DicomServer, ASilentConnectionHoldsUpNoOneElse) {
  Recorder recorder;
  ServerConfig config;
  config.acse_timeout = 60s;
  auto server = start_server(recorder, config);
  std::vector<int> silent;
  for (int i = 0; i < 3; ++i) silent.push_back(connect_to(server->port()));
  EchoRequest request{"127.0.0.1", server->port(), "MODALITY1", "RADLOOP"};
  request.acse_timeout = 20s;
  auto result = echo(request);
  ASSERT_TRUE(result.ok()) << result.error().message();
  EXPECT_EQ(result->status, 0x0000);
  server->stop();
  for (int fd : silent) {
    char byte = 0;
    EXPECT_EQ(::recv(fd, &byte, 1, MSG_DONTWAIT), 0) << "the server should have closed the silent connection";
    ::close(fd);
  }
  EXPECT_EQ(server->stats().associations_accepted, 1U);
  EXPECT_EQ(server->stats().associations_rejected, 0U);  // stopping is not a rejection
}

TEST(DicomServer, ReportsAConnectionClosedBeforeItsRequest) {
  Recorder recorder;
  auto server = start_server(recorder);
  ::close(connect_to(server->port()));
  auto result = echo(EchoRequest{"127.0.0.1", server->port(), "MODALITY1", "RADLOOP"});
  ASSERT_TRUE(result.ok()) << result.error().message();
  server->stop();
  const auto rejected = recorder.first(AssociationEvent::Kind::rejected);
  ASSERT_TRUE(rejected);
  EXPECT_EQ(rejected->reason, "the connection closed before an association request arrived");
  EXPECT_EQ(server->stats().associations_accepted, 1U);
}

// Past max_associations a request is rejected as a transient local limit, with an event saying so.
TEST(DicomServer, RejectsAssociationsPastTheLimit) {
  Recorder recorder;
  ServerConfig config;
  config.max_associations = 1;
  auto server = start_server(recorder, config);
  const int held = connect_to(server->port());  // still in its handshake: does not count
  std::atomic<bool> release{false};
  std::thread holder([&] {
    // An association that stays open until told: a C-ECHO user that never releases is not at hand,
    // so a second echo races the first; hold one with a raw requester instead.
    T_ASC_Network* net = nullptr;
    ASC_initializeNetwork(NET_REQUESTOR, 0, 10, &net);
    T_ASC_Parameters* params = nullptr;
    ASC_createAssociationParameters(&params, ASC_DEFAULTMAXPDU);
    ASC_setAPTitles(params, "HOLDER", "RADLOOP", nullptr);
    const auto peer = "127.0.0.1:" + std::to_string(server->port());
    ASC_setPresentationAddresses(params, "localhost", peer.c_str());
    const char* syntaxes[] = {UID_LittleEndianImplicitTransferSyntax};
    ASC_addPresentationContext(params, 1, UID_VerificationSOPClass, syntaxes, 1);
    T_ASC_Association* assoc = nullptr;
    if (ASC_requestAssociation(net, params, &assoc).good()) {
      while (!release) std::this_thread::sleep_for(10ms);
      ASC_releaseAssociation(assoc);
    }
    ASC_destroyAssociation(&assoc);
    ASC_dropNetwork(&net);
  });
  while (server->stats().associations_accepted == 0) std::this_thread::sleep_for(10ms);
  auto refused = echo(EchoRequest{"127.0.0.1", server->port(), "MODALITY2", "RADLOOP"});
  release = true;
  holder.join();
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, Errc::dicom_association_rejected);
  ::close(held);
  server->stop();
  const auto rejected = recorder.first(AssociationEvent::Kind::rejected);
  ASSERT_TRUE(rejected);
  EXPECT_NE(rejected->reason.find("too many associations (limit 1)"), std::string::npos) << rejected->reason;
  EXPECT_EQ(rejected->calling_ae, "MODALITY2");
}

// An association that goes quiet is ended after the DIMSE timeout, and the peer sees it closed.
TEST(DicomServer, EndsAnAssociationIdleLongerThanTheDimseTimeout) {
  Recorder recorder;
  ServerConfig config;
  config.dimse_timeout = 1s;
  auto server = start_server(recorder, config);
  auto idle = internal::Requestor::open({"127.0.0.1", server->port(), "IDLER", "RADLOOP", 10s, 16384},
                                        {{UID_VerificationSOPClass, {UID_LittleEndianImplicitTransferSyntax}}});
  ASSERT_TRUE(idle.ok()) << idle.error().message();
  // Wait (well past the timeout) for the server to give up on it.
  for (int i = 0; i < 100 && recorder.kinds().size() < 2; ++i) std::this_thread::sleep_for(100ms);
  char byte = 0;
  EXPECT_LE(::recv((*idle)->socket(), &byte, 1, 0), 0) << "the server should have closed the idle association";
  server->stop();
  const auto kinds = recorder.kinds();
  ASSERT_EQ(kinds.size(), 2U);
  EXPECT_EQ(kinds[0], AssociationEvent::Kind::accepted);
  EXPECT_EQ(kinds[1], AssociationEvent::Kind::aborted);
}

// A C-ECHO every 100 ms keeps it far from the 30 s idle timeout; only the duration limit ends it.
TEST(DicomServer, EndsAnAssociationThatLastsTooLongHoweverBusy) {
  Recorder recorder;
  ServerConfig config;
  config.max_association_duration = 1s;
  auto server = start_server(recorder, config);
  auto busy = internal::Requestor::open({"127.0.0.1", server->port(), "BUSY", "RADLOOP", 10s, 16384},
                                        {{UID_VerificationSOPClass, {UID_LittleEndianImplicitTransferSyntax}}});
  ASSERT_TRUE(busy.ok()) << busy.error().message();
  bool ended = false;
  int answered = 0;
  for (DIC_US id = 1; id < 200 && !ended; ++id) {
    DIC_US status = 0xFFFF;
    DcmDataset* detail = nullptr;
    ended = DIMSE_echoUser((*busy)->association(), id, DIMSE_BLOCKING, 5, &status, &detail).bad();
    delete detail;  // NOLINT(cppcoreguidelines-owning-memory): DCMTK hands it over
    if (!ended && status == 0) ++answered;
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_TRUE(ended);
  EXPECT_GT(answered, 3) << "it was served until the limit";
  EXPECT_EQ(server->stats().associations_cut, 1U);
  EXPECT_TRUE(internal::Requestor::open({"127.0.0.1", server->port(), "NEXT", "RADLOOP", 10s, 16384},
                                        {{UID_VerificationSOPClass, {UID_LittleEndianImplicitTransferSyntax}}})
                  .ok())
      << "the next association is served";
  server->stop();
}

TEST(DicomServer, ServesConcurrentAssociations) {
  Recorder recorder;
  auto server = start_server(recorder);
  std::vector<std::thread> users;
  std::atomic<int> good{0};
  for (int i = 0; i < 6; ++i) {
    users.emplace_back([&, i] {
      auto r = echo(EchoRequest{"127.0.0.1", server->port(), "SCU" + std::to_string(i), "RADLOOP"});
      if (r.ok() && r->status == 0) ++good;
    });
  }
  for (auto& u : users) u.join();
  EXPECT_EQ(good, 6);
  EXPECT_EQ(server->stats().echoes_answered, 6U);
}

// DCMTK binds the wildcard address; the server must listen on loopback only, as configured.
TEST(DicomServer, ListensOnlyOnTheConfiguredAddress) {
  Recorder recorder;
  auto server = start_server(recorder);
  std::ifstream tcp("/proc/net/tcp");
  std::string line;
  std::ostringstream wanted;
  wanted << "0100007F:" << std::uppercase << std::hex << std::setw(4) << std::setfill('0') << server->port();
  bool loopback = false;
  while (std::getline(tcp, line)) {
    // local_address is the second column; state 0A = LISTEN
    if (line.find(wanted.str() + " 00000000:0000 0A") != std::string::npos) loopback = true;
  }
  EXPECT_TRUE(loopback) << "no LISTEN socket on " << wanted.str();
}

TEST(DicomServer, RefusesAnInvalidAeTitle) {
  ServerConfig config;
  config.ae_title = "THIS_TITLE_IS_TOO_LONG";
  auto server = Server::start(config);
  ASSERT_FALSE(server.ok());
  EXPECT_EQ(server.error().code, Errc::invalid_config);
}

TEST(DicomServer, ReportsAPortInUse) {
  Recorder recorder;
  auto first = start_server(recorder);
  ServerConfig config;
  config.port = first->port();
  auto second = Server::start(config);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().code, Errc::bind_failed);
}

TEST(EchoScu, ReportsConnectFailureWhenNothingListens) {
  Recorder recorder;
  std::uint16_t port = 0;
  {
    auto server = start_server(recorder);
    port = server->port();
  }
  auto result = echo(EchoRequest{"127.0.0.1", port, "A", "B"});
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, Errc::connect_failed);
}

}  // namespace
}  // namespace radloop::dicom
