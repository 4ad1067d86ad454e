// The EHR and RIS simulators against the reference pipeline on loopback: the order travels EHR ->
// pipeline -> RIS, comes back accessioned, the report goes RIS -> pipeline -> EHR; and the EHR's
// scripted answers (AE, no answer, dropped, late, down then up) are what the pipeline meets.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <set>
#include <thread>

#include "reference/pipeline/pipeline.hpp"
#include "simulators/ehr/ehr.hpp"
#include "simulators/ris/ris.hpp"

namespace radloop {
namespace {

using namespace std::chrono_literals;
using hl7sim::AckBehaviour;

class Simulators : public ::testing::Test {
 protected:
  void SetUp() override {
    hl7sim::PeerConfig ehr_config;
    ehr_config.seed = 7;
    ehr_ = ehr::Ehr::start(ehr_config).value();
    hl7sim::PeerConfig ris_config;
    ris_config.seed = 7;
    ris::RisOptions options;
    options.uid_root = "1.2.826.0.1.3680043.10.1";
    ris_ = ris::Ris::start(ris_config, options).value();

    pipeline::PipelineConfig config;
    config.flows.ris = pipeline::Destination{"127.0.0.1", ris_->peer().port(), "RIS", "RADIOLOGY", 2s};
    config.flows.ehr = pipeline::Destination{"127.0.0.1", ehr_->peer().port(), "EHR", "GENERAL", 1s};
    config.outbox.first_retry = 50ms;
    config.outbox.max_delay = 200ms;
    pipeline_ = pipeline::Pipeline::start(config).value();
    // Both send to the pipeline's inbound MLLP.
    ehr_->peer().retarget("127.0.0.1", pipeline_->mllp_port());
    ris_->peer().retarget("127.0.0.1", pipeline_->mllp_port());
  }
  void TearDown() override {
    pipeline_.reset();
    ris_.reset();
    ehr_.reset();
  }
  // Places an order through the EHR and waits until the RIS has accessioned it.
  ris::HeldOrder ordered(const std::string& placer) {
    ehr::Order order;
    order.placer = placer;
    order.patient = patient_;
    order.procedure_code = "71250";
    order.procedure_text = "CT CHEST";
    order.modality = "CT";
    EXPECT_EQ(ehr_->register_patient(patient_).ack, "AA");
    EXPECT_EQ(ehr_->order(order).ack, "AA");
    const auto held = ris_->wait_for_orders(ris_->orders().size() + 1, 10s);
    EXPECT_FALSE(held.empty());
    return held.empty() ? ris::HeldOrder{} : held.back();
  }
  std::vector<ehr::ChartEntry> chart_of(std::size_t n) {
    ehr_->peer().wait_for(n, 10s);
    return ehr_->chart();
  }

  ehr::Patient patient_{"MRN1", "GENERAL", "DOE", "JANE", "19800101", "F"};
  std::unique_ptr<ehr::Ehr> ehr_;
  std::unique_ptr<ris::Ris> ris_;
  std::unique_ptr<pipeline::Pipeline> pipeline_;
};

TEST_F(Simulators, AnOrderComesBackAccessionedAndItsReportReachesTheEhr) {
  const auto held = ordered("P1");
  EXPECT_EQ(held.accession, "ACC1000");
  EXPECT_EQ(held.patient_id, "MRN1");
  EXPECT_EQ(held.sent.ack, "AA") << held.sent.text;
  EXPECT_FALSE(held.study_instance_uid.empty());

  ris::ReportRequest report;
  report.accession = held.accession;
  report.status = "F";
  report.sections = {{"Findings", "Lungs clear.\nNo effusion | none."}, {"Impression", "Normal."}};
  report.with_zds = true;
  EXPECT_EQ(ris_->report(report).ack, "AA");
  const auto chart = chart_of(1);
  ASSERT_EQ(chart.size(), 1U);
  EXPECT_EQ(chart[0].accession, "ACC1000");
  EXPECT_EQ(chart[0].status, "F");
  EXPECT_NE(chart[0].text.find("No effusion | none."), std::string::npos) << chart[0].text;
  EXPECT_EQ(chart[0].study_instance_uid, held.study_instance_uid);
  // Every step is in the event logs, with the ground truth.
  const auto sent = ris_->peer().log().of("sent");
  ASSERT_EQ(sent.size(), 2U);
  EXPECT_EQ(sent[1].truth.accession, "ACC1000");
  EXPECT_EQ(sent[1].truth.patient_id, "MRN1");
  EXPECT_NE(ehr_->peer().log().json_lines().find("\"action\":\"received\""), std::string::npos);
}

TEST_F(Simulators, TheCollisionFaultGivesTheNextOrderTheSameAccession) {
  const auto first = ordered("P1");
  ris_->reuse_next_accession();
  const auto second = ordered("P2");
  EXPECT_EQ(first.accession, second.accession);
  const auto chart =
      pipeline_->store().read_value<std::vector<store::OrderRecord>>([](store::Tx& tx) { return tx.orders({}); });
  ASSERT_TRUE(chart.ok());
  for (const auto& o : *chart) EXPECT_TRUE(o.collision) << o.placer;
}

TEST_F(Simulators, AnEhrThatRefusesAndDropsIsRetriedUntilItAccepts) {
  const auto held = ordered("P1");
  hl7sim::AckScript script;
  script.by_message[1] = {AckBehaviour::Kind::error, 0ms};
  script.by_message[2] = {AckBehaviour::Kind::drop, 0ms};
  script.by_message[3] = {AckBehaviour::Kind::no_answer, 1500ms};
  script.by_message[4] = {AckBehaviour::Kind::accept, 300ms};  // late, but in time
  ehr_->peer().set_script(script);
  ris::ReportRequest report;
  report.accession = held.accession;
  report.sections = {{"Impression", "Normal."}};
  EXPECT_EQ(ris_->report(report).ack, "AA");
  const auto chart = chart_of(4);
  ASSERT_EQ(chart.size(), 4U);
  // Entries are in the order they were answered: the held one may finish after the late AA.
  std::multiset<std::string> answers;
  for (const auto& entry : chart) answers.insert(entry.answered);
  EXPECT_EQ(answers, (std::multiset<std::string>{"AA", "AE", "dropped", "none"}));
  EXPECT_EQ(chart[0].answered, "AE");
  EXPECT_EQ(chart[1].answered, "dropped");
  for (const auto& entry : chart) EXPECT_EQ(entry.control_id, chart[0].control_id) << "a retry, not a new message";
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(pipeline_->stats().ehr.delivered, 1U);
}

TEST_F(Simulators, AnEhrThatIsDownGetsTheReportWhenItComesBack) {
  const auto held = ordered("P1");
  ehr_->peer().go_down();
  ris::ReportRequest report;
  report.accession = held.accession;
  report.sections = {{"Impression", "Normal."}};
  EXPECT_EQ(ris_->report(report).ack, "AA");
  std::this_thread::sleep_for(400ms);
  EXPECT_TRUE(ehr_->chart().empty());
  EXPECT_GT(pipeline_->stats().ehr.failed_attempts, 0U);
  ASSERT_TRUE(ehr_->peer().come_up().ok());
  const auto chart = chart_of(1);
  ASSERT_EQ(chart.size(), 1U);
  EXPECT_EQ(chart[0].accession, held.accession);
  EXPECT_EQ(ehr_->peer().log().of("down").size(), 1U);
}

// While down, the port stays the peer's: refused to a sender, and not free for another socket to
// bind (one asking for any free port would otherwise get it and answer in the EHR's place).
TEST_F(Simulators, AnEhrThatIsDownKeepsItsPort) {
  const auto port = ehr_->peer().port();
  ehr_->peer().go_down();
  const auto attempt = [&](bool listen) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    auto* a = reinterpret_cast<sockaddr*>(&addr);  // NOLINT: POSIX sockets
    const int r = listen ? ::bind(fd, a, sizeof addr) : ::connect(fd, a, sizeof addr);
    ::close(fd);
    return r;
  };
  EXPECT_NE(attempt(false), 0) << "a connection to a peer that is down is refused";
  EXPECT_NE(attempt(true), 0) << "the port is not free meanwhile";
  ASSERT_TRUE(ehr_->peer().come_up().ok());
  EXPECT_EQ(ehr_->peer().port(), port);
  EXPECT_EQ(attempt(false), 0) << "listening again";
}

TEST_F(Simulators, TheSameSeedWritesTheSameMessages) {
  hl7sim::PeerConfig config;
  config.seed = 42;
  auto a = ehr::Ehr::start(config).value();
  auto b = ehr::Ehr::start(config).value();
  EXPECT_EQ(a->adt_message(patient_, "A04"), b->adt_message(patient_, "A04"));
  config.seed = 43;
  auto c = ehr::Ehr::start(config).value();
  EXPECT_NE(a->adt_message(patient_, "A04"), c->adt_message(patient_, "A04"));
}

TEST_F(Simulators, ARawLineBreakReportIsStillAReportAtTheEhr) {
  const auto held = ordered("P1");
  ris::ReportRequest report;
  report.accession = held.accession;
  report.sections = {{"Findings", "Line one.\nLine two."}};
  report.raw_line_breaks = true;
  EXPECT_NE(ris_->report_message(report).find("Line one.\nLine two."), std::string::npos);
  // A raw line break inside OBX-5 is not a segment end (only CR is): the text arrives whole.
  EXPECT_EQ(ris_->report(report).ack, "AA");
  const auto chart = chart_of(1);
  ASSERT_EQ(chart.size(), 1U);
  EXPECT_NE(chart[0].text.find("Line one."), std::string::npos) << chart[0].text;
  EXPECT_NE(chart[0].text.find("Line two."), std::string::npos) << chart[0].text;
}

// A receiver whose ACK names another message (or none) in MSA-2 did not acknowledge this one:
// the sender records no answer, with the evidence, while the receiver did keep it.
TEST(PeerAcks, AWrongOrBlankMsa2IsNoAcknowledgement) {
  hl7sim::PeerConfig ehr_config;
  ehr_config.seed = 3;
  auto ehr = ehr::Ehr::start(ehr_config).value();
  hl7sim::PeerConfig ris_config;
  ris_config.seed = 3;
  ris::RisOptions options;
  options.auto_accession = false;
  auto ris = ris::Ris::start(ris_config, options).value();
  ehr->peer().retarget("127.0.0.1", ris->peer().port());
  hl7sim::AckScript script;
  script.by_message[1] = *hl7sim::parse_ack_behaviour("wrong_id");
  script.by_message[2] = *hl7sim::parse_ack_behaviour("blank_id");
  ris->peer().set_script(script);
  ehr::Patient patient{"MRN1", "GENERAL", "DOE", "JANE", "19800101", "F"};

  const auto wrong = ehr->register_patient(patient);
  EXPECT_EQ(wrong.ack, "none");
  EXPECT_EQ(wrong.acknowledged_id, wrong.control_id + "X");
  EXPECT_NE(wrong.error.find("in MSA-2, not " + wrong.control_id), std::string::npos) << wrong.error;
  const auto blank = ehr->register_patient(patient);
  EXPECT_EQ(blank.ack, "none");
  EXPECT_NE(blank.error.find("empty MSA-2"), std::string::npos) << blank.error;
  const auto right = ehr->register_patient(patient);
  EXPECT_EQ(right.ack, "AA");
  EXPECT_EQ(right.acknowledged_id, right.control_id);
  const auto received = ris->peer().received();
  ASSERT_EQ(received.size(), 3U);
  EXPECT_TRUE(hl7sim::kept(received[0]));
  EXPECT_EQ(received[0].answered, "wrong_id");
  EXPECT_EQ(received[1].answered, "blank_id");
}

}  // namespace
}  // namespace radloop
