// The PDU guard on its own (the stream cut anywhere, each rule and its message), then in the
// server: a command set nested past the limit ends that association with an A-ABORT and a reason,
// and the server goes on serving.
#include "reference/dicom/internal/pdu_guard.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "reference/dicom/echo_scu.hpp"
#include "reference/dicom/server.hpp"
#include "tests/cpp/dicom/store_fixture.hpp"

namespace radloop::dicom {
namespace {

using internal::PduGuard;
using internal::PduLimits;
using test_support::connect_to;

std::string be32(std::uint32_t v) {
  return {static_cast<char>(v >> 24U), static_cast<char>(v >> 16U), static_cast<char>(v >> 8U), static_cast<char>(v)};
}
std::string le16(std::uint16_t v) { return {static_cast<char>(v), static_cast<char>(v >> 8U)}; }
std::string le32(std::uint32_t v) {
  return le16(static_cast<std::uint16_t>(v)) + le16(static_cast<std::uint16_t>(v >> 16U));
}
std::string tag(std::uint16_t group, std::uint16_t element) { return le16(group) + le16(element); }

std::string pdu(std::uint8_t type, const std::string& body) {
  return std::string{static_cast<char>(type), 0} + be32(static_cast<std::uint32_t>(body.size())) + body;
}
std::string pdv(bool command, bool last, const std::string& fragment) {
  return be32(static_cast<std::uint32_t>(fragment.size() + 2)) +
         std::string{1, static_cast<char>((command ? 1 : 0) | (last ? 2 : 0))} + fragment;
}
std::string element(std::uint16_t group, std::uint16_t number, const std::string& value) {
  return tag(group, number) + le32(static_cast<std::uint32_t>(value.size())) + value;
}

// A C-ECHO-RQ command set (implicit VR little endian), its sequences nested `levels` deep; one
// that announces a data set when data_set_type is not 0x0101.
std::string echo_command(unsigned levels = 0, std::uint16_t data_set_type = 0x0101) {
  std::string nested;
  for (unsigned i = 0; i < levels; ++i)
    nested += tag(0x0040, 0xA730) + le32(0xFFFFFFFF) + tag(0xFFFE, 0xE000) + le32(0xFFFFFFFF);
  for (unsigned i = 0; i < levels; ++i) nested += tag(0xFFFE, 0xE00D) + le32(0) + tag(0xFFFE, 0xE0DD) + le32(0);
  const auto fields = element(0x0000, 0x0002, std::string("1.2.840.10008.1.1") + '\0') +
                      element(0x0000, 0x0100, le16(0x0030)) + element(0x0000, 0x0110, le16(1)) +
                      element(0x0000, 0x0800, le16(data_set_type)) + nested;
  return element(0x0000, 0x0000, le32(static_cast<std::uint32_t>(fields.size()))) + fields;
}

// A whole well-formed conversation as a requestor sends it: request, a command in two
// fragments with a data set, release.
std::string conversation() {
  const auto command = echo_command(0, 0x0000);
  return pdu(0x01, std::string(68, 'a')) + pdu(0x04, pdv(true, false, command.substr(0, 10))) +
         pdu(0x04, pdv(true, true, command.substr(10)) + pdv(false, true, std::string(40, 'd'))) +
         pdu(0x05, std::string(4, '\0'));
}

TEST(PduGuard, FollowsAWellFormedStreamHoweverItIsCut) {
  const auto bytes = conversation();
  for (const std::size_t step : {std::size_t{1}, std::size_t{3}, std::size_t{7}, bytes.size()}) {
    PduGuard guard{PduLimits{}};
    for (std::size_t at = 0; at < bytes.size(); at += step) {
      ASSERT_TRUE(guard.feed(std::string_view(bytes).substr(at, step))) << "step " << step << " at " << at;
    }
    EXPECT_FALSE(guard.refused());
  }
}

// An A-ASSOCIATE-RQ whose user information item holds `identities` User Identity sub-items
// (username "jo" each) after a Maximum Length sub-item.
std::string associate_rq_with_identities(unsigned identities) {
  const auto item = [](char type, const std::string& body) {
    return std::string{type, '\0', static_cast<char>(body.size() >> 8U), static_cast<char>(body.size() & 0xFFU)} + body;
  };
  std::string user = item('\x51', be32(16384));
  for (unsigned i = 0; i < identities; ++i) user += item('\x58', std::string{1, 0, 0, 2} + "jo" + std::string{0, 0});
  return pdu(0x01, std::string(68, 'a') + item('\x10', "1.2.840.10008.3.1.1.1") + item('\x50', user));
}

// DCMTK keeps the last User Identity sub-item and leaks the one before: a second is refused before
// DCMTK parses the request, wherever the stream is cut.
TEST(PduGuard, RefusesARequestWithASecondUserIdentity) {
  for (const unsigned identities : {0U, 1U, 2U, 3U}) {
    const auto bytes = associate_rq_with_identities(identities);
    for (const std::size_t step : {std::size_t{1}, std::size_t{5}, bytes.size()}) {
      PduGuard guard{PduLimits{}};
      bool refused = false;
      for (std::size_t at = 0; at < bytes.size() && !refused; at += step) {
        refused = !guard.feed(std::string_view(bytes).substr(at, step));
        // Refused only once the request is whole: DCMTK has parsed none of it yet.
        if (refused) {
          EXPECT_GE(at + step, bytes.size());
        }
      }
      EXPECT_EQ(refused, identities > 1) << identities << " identities, step " << step;
      if (refused) {
        EXPECT_NE(guard.refused()->detail.find("more than one User Identity sub-item"), std::string::npos)
            << guard.refused()->detail;
      }
    }
  }
}

TEST(PduGuard, RefusesACommandSetNestedPastTheLimit) {
  PduLimits limits;
  limits.command.max_depth = 8;
  for (const unsigned levels : {8U, 9U}) {
    PduGuard guard{limits};
    const auto result = guard.feed(pdu(0x04, pdv(true, true, echo_command(levels))));
    EXPECT_EQ(result.ok(), levels == 8) << levels;
    if (!result) {
      EXPECT_EQ(result.error().code, Errc::dicom_refused);
      EXPECT_EQ(result.error().where, "command set in PDU 1");
      EXPECT_NE(result.error().detail.find("nested 9 levels deep; the limit is 8"), std::string::npos)
          << result.error().detail;
    }
  }
}

TEST(PduGuard, RefusesACommandSetLongerThanTheLimitBeforeItEnds) {
  PduLimits limits;
  limits.max_command_bytes = 100;
  PduGuard guard{limits};
  std::string elements;  // ten small elements, 12 bytes each
  for (std::uint16_t i = 0; i < 10; ++i) elements += element(0x0000, static_cast<std::uint16_t>(0x1000 + i), le32(i));
  EXPECT_TRUE(guard.feed(pdu(0x04, pdv(true, false, elements.substr(0, 60)))));
  const auto result = guard.feed(pdu(0x04, pdv(true, false, elements.substr(60))));
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().detail, "the command set is longer than 100 bytes");
  // Once refused, always refused: nothing later is followed.
  EXPECT_FALSE(guard.feed(pdu(0x05, std::string(4, '\0'))));
  // Data set fragments are not collected: only the PDU length bounds them.
  PduGuard data{limits};
  EXPECT_TRUE(data.feed(pdu(0x04, pdv(true, true, echo_command(0, 0x0000)))));
  EXPECT_TRUE(data.feed(pdu(0x04, pdv(false, false, std::string(1000, 'x')))));
}

// DCMTK reads any fragment where it awaits a command as a command: a data set out of step would
// be parsed with none of a command's limits (the association fuzzer found a data fragment after
// a complete data set making DCMTK allocate a value of 4 GiB).
TEST(PduGuard, KeepsCommandsAndDataSetsInStep) {
  const auto with_data = pdu(0x04, pdv(true, true, echo_command(0, 0x0000)));
  const auto without = pdu(0x04, pdv(true, true, echo_command()));
  const auto data = [](bool last) { return pdu(0x04, pdv(false, last, std::string(40, 'd'))); };
  struct Case {
    const char* what;
    std::string bytes;
    bool ok;
  };
  const std::vector<Case> cases{
      {"a data set first", data(true), false},
      {"a data set after a command announcing none", without + data(true), false},
      {"a second data set after the announced one ended", with_data + data(true) + data(true), false},
      {"a command inside a data set", with_data + data(false) + without, false},
      {"command, data set in two fragments, command", with_data + data(false) + data(true) + without, true},
      {"commands without data sets", without + without, true},
      {"a data set announced as 0x0102", pdu(0x04, pdv(true, true, echo_command(0, 0x0102))) + data(true) + without,
       true},
      {"a data set announced as 0xFEFE", pdu(0x04, pdv(true, true, echo_command(0, 0xFEFE))) + data(true) + without,
       true},
      {"a data set of one empty last fragment", with_data + pdu(0x04, pdv(false, true, "")) + without, true},
      {"a data set after a command that does not say",
       pdu(0x04, pdv(true, true, element(0x0000, 0x0100, le16(0x0001)))) + data(true), false},
  };
  for (const auto& c : cases) {
    PduGuard guard{PduLimits{}};
    const auto result = guard.feed(c.bytes);
    EXPECT_EQ(result.ok(), c.ok) << c.what;
    if (!result) {
      EXPECT_NE(result.error().detail.find("was due"), std::string::npos) << result.error().detail;
    }
  }
}

TEST(PduGuard, RefusesPdusLongerThanTheirTypeAllows) {
  PduLimits limits;
  limits.max_pdata_bytes = 1000;
  limits.max_associate_bytes = 2000;
  limits.max_other_bytes = 10;
  const auto header = [](std::uint8_t type, std::uint32_t length) {
    return std::string{static_cast<char>(type), 0} + be32(length);
  };
  EXPECT_TRUE(PduGuard{limits}.feed(header(0x04, 1000)));
  EXPECT_TRUE(PduGuard{limits}.feed(header(0x01, 2000)));
  EXPECT_TRUE(PduGuard{limits}.feed(header(0x05, 10)));
  const auto over = PduGuard{limits}.feed(header(0x04, 1001));
  ASSERT_FALSE(over);
  EXPECT_EQ(over.error().where, "PDU 1 (P-DATA-TF, type 0x04)");
  EXPECT_EQ(over.error().detail, "1001 bytes long; the limit is 1000");
  EXPECT_FALSE(PduGuard{limits}.feed(header(0x01, 2001)));
  const auto junk = PduGuard{limits}.feed("GET / HTTP/1.1\r\n");
  ASSERT_FALSE(junk);
  EXPECT_EQ(junk.error().where, "PDU 1 (unknown, type 0x47)");
}

TEST(PduGuard, RefusesPresentationDataValueItemsThatDoNotFitTheirPdu) {
  const auto detail_of = [](const std::string& stream) {
    auto result = PduGuard{PduLimits{}}.feed(stream);
    return result ? std::string("accepted") : result.error().detail;
  };
  EXPECT_EQ(detail_of(pdu(0x04, be32(50) + std::string{1, 3} + std::string(10, 'x'))),
            "a presentation data value item of length 50 where 12 bytes remain");
  EXPECT_EQ(detail_of(pdu(0x04, be32(1) + std::string{1, 3})),
            "a presentation data value item of length 1 where 2 bytes remain");
  EXPECT_EQ(detail_of(pdu(0x04, pdv(true, true, echo_command()) + "xyz")),
            "3 bytes cannot hold a presentation data value item");
  EXPECT_EQ(detail_of(pdu(0x04, "abc")), "3 bytes cannot hold a presentation data value item");
}

// A fragment whose element declares more bytes than a whole command may have is refused when the
// fragment is in, before its PDU is whole: DCMTK would allocate the declared length at once.
TEST(PduGuard, RefusesACommandFragmentDeclaringAValueLongerThanAnyCommand) {
  const auto huge = element(0x0000, 0x0002, "").substr(0, 4) + le32(0xFFFFFF00) + std::string(20, 'x');
  PduGuard guard{PduLimits{}};
  const auto result = guard.feed(pdu(0x04, pdv(true, false, huge)));
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().where, "command set in PDU 1");
  EXPECT_NE(result.error().detail.find("declares 4294967040 bytes; the whole may have at most 4096"), std::string::npos)
      << result.error().detail;
  // A value that merely continues in the next fragment is fine.
  PduGuard split{PduLimits{}};
  const auto command = echo_command();
  EXPECT_TRUE(split.feed(pdu(0x04, pdv(true, false, command.substr(0, 30)))));
  EXPECT_TRUE(split.feed(pdu(0x04, pdv(true, true, command.substr(30)))));
}

// Empty command fragments, or many small ones, would make the guard walk the command again and
// again: past 32 fragments the command is refused.
TEST(PduGuard, RefusesACommandInMoreThan32Fragments) {
  PduGuard guard{PduLimits{}};
  std::string stream;
  for (int i = 0; i < 32; ++i) stream += pdu(0x04, pdv(true, false, ""));
  EXPECT_TRUE(guard.feed(stream));
  const auto result = guard.feed(pdu(0x04, pdv(true, false, "")));
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().detail, "the command set comes in more than 32 fragments");
}

// The fragment that would take the command past the limit is refused on its header: DCMTK parses
// each command fragment as soon as it has it, so none of its bytes may reach it.
TEST(PduGuard, RefusesACommandFragmentOnItsHeader) {
  PduLimits limits;
  limits.max_command_bytes = 100;
  PduGuard guard{limits};
  const auto fragment = pdu(0x04, pdv(true, false, std::string(101, 'x')));
  const auto header_only = fragment.substr(0, 12);  // PDU header and PDV header
  const auto result = guard.feed(header_only);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().detail, "the command set is longer than 100 bytes");
}

std::string read_all(int fd) {
  std::string out;
  std::array<char, 4096> buffer{};
  while (true) {
    const auto n = ::read(fd, buffer.data(), buffer.size());
    if (n <= 0) return out;
    out.append(buffer.data(), static_cast<std::size_t>(n));
  }
}

// An A-ASSOCIATE-RQ for Verification in implicit VR little endian (PS3.8 9.3.2).
std::string associate_rq() {
  const auto item = [](std::uint8_t type, const std::string& body) {
    return std::string{static_cast<char>(type), 0} +
           std::string{static_cast<char>(body.size() >> 8U), static_cast<char>(body.size())} + body;
  };
  std::string called = "RADLOOP";
  std::string calling = "ATTACKER";
  called.resize(16, ' ');
  calling.resize(16, ' ');
  const auto context = std::string{1, 0, 0, 0} + item(0x30, "1.2.840.10008.1.1") + item(0x40, "1.2.840.10008.1.2");
  return pdu(0x01, std::string{0, 1, 0, 0} + called + calling + std::string(32, '\0') +
                       item(0x10, "1.2.840.10008.3.1.1.1") + item(0x20, context) + item(0x50, item(0x51, be32(16384))));
}

TEST(PduGuard, TheServerAbortsANestedCommandWithAReasonAndGoesOnServing) {
  test_support::Recorder recorder;
  ServerConfig config;
  config.dataset_limits.max_depth = 16;
  auto server = test_support::start_server(recorder, config);
  {
    const int fd = connect_to(server->port());
    const auto request = associate_rq() + pdu(0x04, pdv(true, true, echo_command(20)));
    ASSERT_EQ(::write(fd, request.data(), request.size()), static_cast<ssize_t>(request.size()));
    const auto answer = read_all(fd);
    ::close(fd);
    ASSERT_GE(answer.size(), 10U);
    EXPECT_EQ(answer[0], 0x02);  // A-ASSOCIATE-AC first: the request itself was fine
    // Then an A-ABORT from the service provider (source 2), invalid PDU parameter value (6).
    EXPECT_NE(answer.find(std::string{7, 0, 0, 0, 0, 4, 0, 0, 2, 6}), std::string::npos);
  }
  auto result = echo(EchoRequest{"127.0.0.1", server->port(), "MODALITY1", "RADLOOP"});
  ASSERT_TRUE(result.ok()) << result.error().message();
  server->stop();
  const auto aborted = recorder.of(AssociationEvent::Kind::aborted);
  ASSERT_EQ(aborted.size(), 1U);
  EXPECT_NE(aborted[0].reason.find("refused: command set in PDU 2"), std::string::npos) << aborted[0].reason;
  EXPECT_NE(aborted[0].reason.find("nested 17 levels deep"), std::string::npos) << aborted[0].reason;
  EXPECT_EQ(server->stats().pdu_refusals, 1U);
}

TEST(PduGuard, TheServerRefusesAnOversizedAssociationRequest) {
  test_support::Recorder recorder;
  auto server = test_support::start_server(recorder, ServerConfig{});
  {
    const int fd = connect_to(server->port());
    const auto header = std::string{1, 0} + be32(64U << 20U);  // 64 MiB announced
    ASSERT_EQ(::write(fd, header.data(), header.size()), static_cast<ssize_t>(header.size()));
    const auto answer = read_all(fd);
    ::close(fd);
    EXPECT_EQ(answer, (std::string{7, 0, 0, 0, 0, 4, 0, 0, 2, 6}));
  }
  server->stop();
  const auto rejected = recorder.of(AssociationEvent::Kind::rejected);
  ASSERT_EQ(rejected.size(), 1U);
  EXPECT_NE(rejected[0].reason.find("refused: PDU 1 (A-ASSOCIATE-RQ, type 0x01): 67108864 bytes long"),
            std::string::npos)
      << rejected[0].reason;
}

}  // namespace
}  // namespace radloop::dicom
