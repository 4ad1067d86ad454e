// idempotence judged on effects: reports charted, orders forwarded, instances counted.
#include <gtest/gtest.h>

#include <map>

#include "harness/checkers.hpp"
#include "tests/cpp/harness/chart_fixture.hpp"

namespace radloop::harness {
namespace {

using testing::Chart;
using testing::charted;
using testing::reported;

// A system whose only face is its study queries; its inbound log is never asked.
class CountingSystem final : public SystemUnderTest {
 public:
  std::map<std::string, std::int64_t> instances;             // by Study UID; absent: no such study
  std::map<std::string, std::vector<std::string>> worklist;  // accessions served, by patient
  [[nodiscard]] Endpoints endpoints() const override { return {}; }
  Result<bool> has_inbound(const std::string&, const std::string&) override {
    return Error{Errc::not_observable, "counting", "no inbound log"};
  }
  Result<std::int64_t> count_inbound_records(const std::string&, const std::string&) override {
    return Error{Errc::not_observable, "counting", "no inbound log"};
  }
  Result<std::vector<std::pair<std::string, std::string>>> worklist_entries() override {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& [patient, accessions] : worklist) {
      for (const auto& a : accessions) out.emplace_back(patient, a);
    }
    return out;
  }
  Result<std::optional<LandedStudy>> find_study(const std::string& uid) override {
    const auto it = instances.find(uid);
    if (it == instances.end()) return std::optional<LandedStudy>{};
    LandedStudy s;
    s.study_uid = uid;
    s.instances = it->second;
    return std::optional<LandedStudy>{s};
  }
};

// The report message (sender and control ID) the RIS sent, and sent again under the same ID.
void resent(History& h, int step, const std::string& control_id) {
  h.append("r", OpType::invoke, "hl7_send",
           {{"step", step},
            {"sender", "RIS^RADIOLOGY"},
            {"control_id", control_id},
            {"truth", {{"accession", "A1"}, {"report_status", "F"}, {"patient_id", "P1"}, {"text", "x"}}}});
  h.append("r", OpType::ok, "hl7_send", {{"step", step}, {"ack", "AA"}});
}

TEST(Idempotence, AResendChartedOnceIsValidChartedTwiceIsADuplicateEffect) {
  History h;
  resent(h, 0, "RIS-1");
  resent(h, 1, "RIS-1");
  Chart chart;
  CountingSystem system;
  chart.entries = {charted("F", "x", "P1", "OUT-1")};
  EXPECT_EQ(check_idempotence(h, system, chart.view()).valid, Validity::valid);
  // Applied twice, forwarded twice under new control IDs: whatever the system's own log says.
  chart.entries.push_back(charted("F", "x", "P1", "OUT-2"));
  const auto r = check_idempotence(h, system, chart.view());
  EXPECT_EQ(r.valid, Validity::invalid);
  EXPECT_EQ(r.evidence[0]["charted"], 2);
  EXPECT_EQ(r.evidence[0]["sent"], 1);
  // A retry of the system's own under the same control ID is one entry, not two.
  chart.entries[1] = charted("F", "x", "P1", "OUT-1");
  EXPECT_EQ(check_idempotence(h, system, chart.view()).valid, Validity::valid);
}

TEST(Idempotence, AnOrderForwardedToTheRisTwiceIsADuplicateEffect) {
  History h;
  for (int step : {0, 1}) {  // the EHR resends its new order under the same control ID
    h.append("o", OpType::invoke, "hl7_send",
             {{"step", step},
              {"sender", "EHR^GENERAL"},
              {"control_id", "EHR-7"},
              {"truth", {{"placer_order", "PL1"}, {"order_control", "NW"}, {"patient_id", "P1"}}}});
    h.append("o", OpType::ok, "hl7_send", {{"step", step}, {"ack", "AA"}});
  }
  Chart chart;
  CountingSystem system;
  chart.orders = {{"PL1", "SYS-1"}, {"PL1", "SYS-1"}};  // a retry under one control ID
  EXPECT_EQ(check_idempotence(h, system, chart.view()).valid, Validity::valid);
  chart.orders.push_back({"PL1", "SYS-2"});
  const auto r = check_idempotence(h, system, chart.view());
  EXPECT_EQ(r.valid, Validity::invalid);
  EXPECT_EQ(r.evidence[0]["forwarded_to_ris"], 2);
  EXPECT_EQ(check_idempotence(h, system, PeerRecords{}).valid, Validity::unknown);
}

TEST(Idempotence, AnOrderServedTwiceOnTheWorklistIsADuplicateEffect) {
  History h;
  h.append("o", OpType::invoke, "hl7_send",
           {{"step", 0},
            {"sender", "EHR^GENERAL"},
            {"control_id", "EHR-7"},
            {"truth", {{"placer_order", "PL1"}, {"order_control", "NW"}, {"patient_id", "P1"}}}});
  h.append("o", OpType::ok, "hl7_send", {{"step", 0}, {"ack", "AA"}});
  CountingSystem system;
  EXPECT_EQ(check_idempotence(h, system, PeerRecords{}).valid, Validity::unknown);  // the RIS's side unknown
  Chart chart;
  chart.orders = {{"PL1", "SYS-1"}};
  system.worklist["P1"] = {"ACC1"};
  EXPECT_EQ(check_idempotence(h, system, chart.view()).valid, Validity::valid);
  system.worklist["P1"] = {"ACC1", "ACC2"};
  const auto r = check_idempotence(h, system, chart.view());
  EXPECT_EQ(r.valid, Validity::invalid);
  EXPECT_NE(r.evidence.dump().find("an order scheduled twice"), std::string::npos) << r.evidence.dump();
  // P2 was merged into P1 and had an order of its own: the survivor's two items are two orders.
  h.append("o", OpType::invoke, "hl7_send",
           {{"step", 1},
            {"sender", "EHR^GENERAL"},
            {"control_id", "EHR-8"},
            {"truth", {{"placer_order", "PL2"}, {"order_control", "NW"}, {"patient_id", "P2"}}}});
  h.append("o", OpType::ok, "hl7_send", {{"step", 1}, {"ack", "AA"}});
  h.append("m", OpType::invoke, "hl7_send", {{"step", 2}, {"truth", {{"patient_id", "P1"}, {"merged_from", "P2"}}}});
  chart.orders.push_back({"PL2", "SYS-2"});
  EXPECT_EQ(check_idempotence(h, system, chart.view()).valid, Validity::valid);
}

TEST(Idempotence, AResentInstanceCountedTwiceIsADuplicateEffect) {
  History h;
  h.append("acq", OpType::invoke, "modality.acquire", {{"step", 0}});
  h.append("acq", OpType::ok, "modality.acquire",
           {{"step", 0}, {"study_uid", "1.2"}, {"sent", 3}, {"accepted", 3}, {"truth", {{"patient_id", "P1"}}}});
  CountingSystem system;
  system.instances["1.2"] = 3;
  EXPECT_EQ(check_idempotence(h, system, PeerRecords{}).valid, Validity::valid);
  system.instances["1.2"] = 6;
  const auto r = check_idempotence(h, system, PeerRecords{});
  EXPECT_EQ(r.valid, Validity::invalid);
  EXPECT_NE(r.evidence[0]["why"].get<std::string>().find("counts 6 instances, 3 distinct"), std::string::npos);
  system.instances["1.2"] = -1;  // the system does not count: nothing to compare
  EXPECT_EQ(check_idempotence(h, system, PeerRecords{}).valid, Validity::not_exercised);
}

TEST(Idempotence, NothingSentIsNotExercised) {
  History h;
  CountingSystem system;
  Chart chart;
  EXPECT_EQ(check_idempotence(h, system, chart.view()).valid, Validity::not_exercised);
}

}  // namespace
}  // namespace radloop::harness
