// The reference pipeline end to end on loopback: HL7 is logged before it is ACKed.
#include "reference/pipeline/pipeline.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "reference/dicom/echo_scu.hpp"
#include "reference/hl7/ack.hpp"
#include "reference/mllp/client.hpp"
#include "reference/mllp/sender.hpp"
#include "reference/pipeline/hl7_reply.hpp"

namespace radloop::pipeline {
namespace {

constexpr std::string_view kAdt =
    "MSH|^~\\&|EHR|GENERAL|RADLOOP|RAD|20260101120000||ADT^A04|P0001|P|2.5.1\rEVN|A04|20260101120000\r"
    "PID|1||123^^^GENERAL^MR||DOE^JANE\rPV1|1|O\r";

std::string send(const Pipeline& p, std::string_view message) {
  auto client = mllp::Client::connect(mllp::ClientConfig{"127.0.0.1", p.mllp_port()}).value();
  return client->exchange(message).value();
}

TEST(Pipeline, AcksAaOnlyForWhatItLogged) {
  auto p = Pipeline::start({}).value();
  const auto ack = hl7::read_ack(send(*p, kAdt)).value();
  EXPECT_EQ(ack.code, "AA");
  EXPECT_EQ(ack.acknowledged_id, "P0001");
  const auto kept = p->store().find_inbound("EHR^GENERAL", "P0001").value();
  ASSERT_TRUE(kept.has_value());
  EXPECT_EQ(kept->raw, kAdt);
  EXPECT_EQ(kept->message_type, "ADT^A04");
}

TEST(Pipeline, AResentMessageIsAckedAgainAndKeptOnce) {
  auto p = Pipeline::start({}).value();
  EXPECT_EQ(hl7::read_ack(send(*p, kAdt)).value().code, "AA");
  EXPECT_EQ(hl7::read_ack(send(*p, kAdt)).value().code, "AA");
  EXPECT_EQ(p->store().count_inbound().value(), 1);
  EXPECT_EQ(p->stats().hl7_duplicates, 1U);
}

// A resend may carry a new MSH-7 (an engine restamps it) and other segment terminators; it is
// still the same message.
TEST(Pipeline, AResendWithANewTimestampIsStillTheSameMessage) {
  auto p = Pipeline::start({}).value();
  EXPECT_EQ(hl7::read_ack(send(*p, kAdt)).value().code, "AA");
  std::string restamped(kAdt);
  restamped.replace(restamped.find("20260101120000"), 14, "20260102083000");
  for (auto& c : restamped) c = c == '\r' ? '\n' : c;
  EXPECT_EQ(hl7::read_ack(send(*p, restamped)).value().code, "AA");
  EXPECT_EQ(p->store().count_inbound().value(), 1);
  EXPECT_EQ(p->stats().hl7_duplicates, 1U);
  EXPECT_EQ(p->stats().hl7_control_id_reused, 0U);
}

// A sender whose counter restarted: the second patient under a used control ID is refused (AR,
// ERR-3 205) and kept as refused; it is never answered AA and dropped.
// A message kept but refused (AE), resent byte for byte by the sender's engine, is answered AE
// again, never AA with nothing applied.
TEST(Pipeline, AResendOfARefusedMessageIsRefusedAgain) {
  auto p = Pipeline::start({}).value();
  constexpr std::string_view kOrphanReport =
      "MSH|^~\\&|RIS|RADIOLOGY|RADLOOP|RAD|20260101120000||ORU^R01|U0009|P|2.5.1\r"
      "PID|1||999^^^GENERAL^MR||DOE^JANE\rOBR|1|||71250^CT CHEST^CPT4|||20260101||||||||||||||||||F\r"
      "OBX|1|TX|IMP^Impression||text||||||F\r";
  const auto first = hl7::read_ack(send(*p, kOrphanReport)).value();
  const auto again = hl7::read_ack(send(*p, kOrphanReport)).value();
  EXPECT_EQ(first.code, "AE");
  EXPECT_NE(first.text.find("accession"), std::string::npos) << "kept, refused by the flow: " << first.text;
  EXPECT_EQ(again.code, "AE");
  EXPECT_EQ(again.text, first.text);
  EXPECT_EQ(p->stats().hl7_duplicates, 1U);
}

TEST(Pipeline, AnotherMessageUnderAUsedControlIdIsRefusedAndKept) {
  auto p = Pipeline::start({}).value();
  EXPECT_EQ(hl7::read_ack(send(*p, kAdt)).value().code, "AA");
  std::string other(kAdt);
  other.replace(other.find("123^^^"), 3, "456");
  other.replace(other.find("DOE^JANE"), 8, "ROE^JOHN");
  const auto ack = hl7::read_ack(send(*p, other)).value();
  EXPECT_EQ(ack.code, "AR");
  EXPECT_EQ(ack.acknowledged_id, "P0001");
  EXPECT_EQ(ack.error_codes, std::vector<std::string>{"205"});
  EXPECT_NE(ack.text.find("received before under this sender and control ID"), std::string::npos) << ack.text;
  EXPECT_EQ(p->stats().hl7_control_id_reused, 1U);
  EXPECT_EQ(p->stats().hl7_duplicates, 0U);
  EXPECT_EQ(p->store().count_inbound().value(), 2) << "the refused message is kept too";
  EXPECT_EQ(p->store().find_inbound("EHR^GENERAL", "P0001").value()->raw, kAdt) << "the first stays as it was";
  std::vector<store::PatientRecord> patients;
  ASSERT_TRUE(p->store()
                  .read([&](store::Tx& tx) -> Result<void> {
                    auto all = tx.patients("", "", 10);
                    if (!all) return all.error();
                    patients = std::move(all).value();
                    return {};
                  })
                  .ok());
  ASSERT_EQ(patients.size(), 1U) << "the refused message is not applied";
  EXPECT_EQ(patients.front().mrn, "123");

  // In enhanced mode (MSH-15 valued) the same refusal is a CR.
  std::string enhanced(other);
  enhanced.replace(enhanced.find("|P|2.5.1"), 8, "|P|2.5.1|||AL|NE");
  EXPECT_EQ(hl7::read_ack(send(*p, enhanced)).value().code, "CR");
}

// Retention drops payloads, not what a resend is judged by: once the first message's payload went,
// the same message restamped is still a resend (AA, applied once) and another patient under its
// control ID is still refused.
TEST(Pipeline, ResendsAreStillToldOnceTheirPayloadWasDropped) {
  auto p = Pipeline::start({}).value();
  const auto before = std::chrono::system_clock::now();
  EXPECT_EQ(hl7::read_ack(send(*p, kAdt)).value().code, "AA");
  const auto after = std::chrono::system_clock::now();
  RawRetention policy;
  policy.max_age = std::chrono::hours(1);
  RawRetainer retainer(policy);
  // The cut is compared with received_at as SQLite stamped it: an hour after the message came, not
  // before.
  EXPECT_EQ(retainer.run(p->store(), before + std::chrono::hours(1)).value().by_age, 0);
  const auto done = retainer.run(p->store(), after + std::chrono::hours(1) + std::chrono::seconds(1)).value();
  EXPECT_EQ(done.by_age, 1);
  EXPECT_EQ(done.retained_bytes, 0);
  ASSERT_EQ(p->store().find_inbound("EHR^GENERAL", "P0001").value()->raw, "");

  std::string restamped(kAdt);
  restamped.replace(restamped.find("20260101120000"), 14, "20260102083000");
  EXPECT_EQ(hl7::read_ack(send(*p, restamped)).value().code, "AA");
  EXPECT_EQ(p->stats().hl7_duplicates, 1U);

  std::string other(kAdt);
  other.replace(other.find("DOE^JANE"), 8, "ROE^JOHN");
  const auto ack = hl7::read_ack(send(*p, other)).value();
  EXPECT_EQ(ack.code, "AR");
  EXPECT_EQ(ack.error_codes, std::vector<std::string>{"205"});
  EXPECT_EQ(p->stats().hl7_control_id_reused, 1U);
}

// Past the cap the oldest payloads go first, whatever their age.
TEST(Pipeline, RawPayloadsPastTheCapAreDroppedOldestFirst) {
  auto p = Pipeline::start({}).value();
  std::string second(kAdt);
  second.replace(second.find("P0001"), 5, "P0002");
  EXPECT_EQ(hl7::read_ack(send(*p, kAdt)).value().code, "AA");
  EXPECT_EQ(hl7::read_ack(send(*p, second)).value().code, "AA");
  RawRetention policy;
  policy.max_bytes = second.size();
  const auto done = RawRetainer(policy).run(p->store(), std::chrono::system_clock::now()).value();
  EXPECT_EQ(done.by_age, 0);
  EXPECT_EQ(done.by_size, 1);
  EXPECT_EQ(p->store().find_inbound("EHR^GENERAL", "P0001").value()->raw, "");
  EXPECT_EQ(p->store().find_inbound("EHR^GENERAL", "P0002").value()->raw, second);
}

// The sweeper applies the retention by itself and counts what it dropped.
TEST(Pipeline, TheSweeperDropsPayloadsPastTheCapAndCountsThem) {
  PipelineConfig config;
  config.raw_retention.max_bytes = 1;  // no payload fits
  config.raw_retention.interval = std::chrono::milliseconds(20);
  config.sweep_interval = std::chrono::milliseconds(20);
  auto p = Pipeline::start(config).value();
  EXPECT_EQ(hl7::read_ack(send(*p, kAdt)).value().code, "AA");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (p->stats().raw_pruned_by_size == 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(p->stats().raw_pruned_by_size, 1U);
  EXPECT_EQ(p->stats().raw_retained_bytes, 0U);
  EXPECT_EQ(p->store().find_inbound("EHR^GENERAL", "P0001").value()->raw, "");
}

TEST(Pipeline, RejectsWhatIsNotHl7WithAReasonAndKeepsNothing) {
  auto p = Pipeline::start({}).value();
  const auto ack = hl7::read_ack(send(*p, "not hl7 at all")).value();
  EXPECT_EQ(ack.code, "AR");
  EXPECT_NE(ack.text.find("not an HL7 v2 message"), std::string::npos);
  EXPECT_EQ(p->store().count_inbound().value(), 0);
  EXPECT_EQ(p->stats().hl7_rejected, 1U);
}

TEST(Pipeline, KeepsAStructurallyBrokenMessageAndAnswersAeWithWhere) {
  auto p = Pipeline::start({}).value();
  constexpr std::string_view kNoPv1 =
      "MSH|^~\\&|EHR|GENERAL|RADLOOP|RAD|20260101120000||ADT^A04|P0002|P|2.5.1\rEVN|A04|20260101120000\r"
      "PID|1||123^^^GENERAL^MR||DOE^JANE\r";
  const auto ack = hl7::read_ack(send(*p, kNoPv1)).value();
  EXPECT_EQ(ack.code, "AE");
  EXPECT_EQ(ack.acknowledged_id, "P0002");
  EXPECT_EQ(ack.error_codes, std::vector<std::string>{"100"});
  EXPECT_NE(ack.text.find("PV1"), std::string::npos) << ack.text;
  EXPECT_EQ(p->store().count_inbound().value(), 1) << "kept even though it is answered AE";
  EXPECT_EQ(p->stats().hl7_invalid, 1U);
}

TEST(Pipeline, AnHl7SenderGetsEachMessagesVerdictInOrder) {
  auto p = Pipeline::start({}).value();
  mllp::SenderConfig config;
  config.port = p->mllp_port();
  config.classify = classify_hl7_reply;
  auto sender = mllp::Sender::start(config).value();
  std::string broken(kAdt);
  broken = broken.substr(0, broken.find("PV1"));  // ADT_A01 without its PV1
  broken.replace(broken.find("P0001"), 5, "P0003");
  auto first = sender->submit(std::string(kAdt));
  auto second = sender->submit(broken);
  auto third = sender->submit("not hl7");
  const auto a = first.get();
  const auto b = second.get();
  const auto c = third.get();
  EXPECT_TRUE(a.accepted());
  EXPECT_EQ(a.verdict.code, "AA");
  EXPECT_EQ(b.outcome, mllp::SendOutcome::replied);
  EXPECT_FALSE(b.accepted());
  EXPECT_EQ(b.verdict.code, "AE");
  EXPECT_EQ(b.attempts, 1U) << "an AE is final: resending the same bytes gets the same answer";
  EXPECT_EQ(c.verdict.code, "AR");
  EXPECT_EQ(classify_hl7_reply("garbage").code, "unreadable");
  EXPECT_FALSE(classify_hl7_reply("garbage").accepted);
}

TEST(Pipeline, AnswersCEchoOnItsAeTitle) {
  PipelineConfig config;
  config.dicom.ae_title = "PACS_TEST";
  auto p = Pipeline::start(config).value();
  auto r = dicom::echo(dicom::EchoRequest{"127.0.0.1", p->dicom_port(), "SCU", "PACS_TEST"});
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->status, 0);
}

TEST(Pipeline, FailsToStartWithAnUnusableStore) {
  PipelineConfig config;
  config.store_path = "/nonexistent-dir/radloop.db";
  auto p = Pipeline::start(config);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().code, Errc::store_failed);
}

}  // namespace
}  // namespace radloop::pipeline
