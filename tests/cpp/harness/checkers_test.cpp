// Checkers over hand-made histories and a system whose state the test controls.
#include "harness/checkers.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

namespace radloop::harness {
namespace {

class FakeSystem final : public SystemUnderTest {
 public:
  std::set<std::pair<std::string, std::string>> kept;
  bool observable = true;

  [[nodiscard]] Endpoints endpoints() const override { return {}; }
  Result<bool> has_inbound(const std::string& sender, const std::string& id) override {
    if (!observable) return Error{Errc::connect_failed, "fake", "query API down"};
    return kept.contains({sender, id});
  }
  Result<std::int64_t> count_inbound_from(const std::string& sender) override {
    if (!observable) return Error{Errc::connect_failed, "fake", "query API down"};
    return static_cast<std::int64_t>(
        std::count_if(kept.begin(), kept.end(), [&](const auto& k) { return k.first == sender; }));
  }
};

void sent(History& h, int step, const std::string& id, OpType type, const std::string& ack) {
  h.append("s", OpType::invoke, "hl7_send", {{"step", step}, {"sender", "EHR^H"}, {"control_id", id}});
  nlohmann::json value{{"step", step}};
  if (!ack.empty()) value["ack"] = ack;
  h.append("s", type, "hl7_send", value);
}

TEST(Combine, FalseBeatsUnknownBeatsTrue) {
  auto r = [](Validity v) { return CheckResult{"c", v, {}}; };
  EXPECT_EQ(combine({r(Validity::valid), r(Validity::valid)}), Validity::valid);
  EXPECT_EQ(combine({r(Validity::valid), r(Validity::unknown)}), Validity::unknown);
  EXPECT_EQ(combine({r(Validity::unknown), r(Validity::invalid), r(Validity::valid)}), Validity::invalid);
  EXPECT_EQ(combine({}), Validity::unknown);  // nothing checked is not a pass
}

TEST(NoSilentLoss, ValidWhenEveryAckedMessageIsKept) {
  History h;
  sent(h, 0, "A", OpType::ok, "AA");
  sent(h, 1, "B", OpType::fail, "AR");  // refused: nothing owed
  FakeSystem sys;
  sys.kept = {{"EHR^H", "A"}};
  EXPECT_EQ(check_no_silent_loss(h, sys).valid, Validity::valid);
}

TEST(NoSilentLoss, InvalidWhenAnAckedMessageIsMissing) {
  History h;
  sent(h, 0, "A", OpType::ok, "AA");
  FakeSystem sys;
  const auto r = check_no_silent_loss(h, sys);
  EXPECT_EQ(r.valid, Validity::invalid);
  EXPECT_EQ(r.evidence["missing"][0]["control_id"], "A");
}

TEST(NoSilentLoss, UnknownWhenTheSystemCannotBeQueried) {
  History h;
  sent(h, 0, "A", OpType::ok, "AA");
  FakeSystem sys;
  sys.observable = false;
  EXPECT_EQ(check_no_silent_loss(h, sys).valid, Validity::unknown);
}

TEST(NoSilentLoss, AMessageWhoseAckNeverCameIsNotOwed) {
  History h;
  sent(h, 0, "A", OpType::info, "");  // timed out: outcome unknown
  FakeSystem sys;
  EXPECT_EQ(check_no_silent_loss(h, sys).valid, Validity::valid);
}

TEST(Idempotence, InvalidWhenADuplicateWasKeptTwice) {
  History h;
  sent(h, 0, "A", OpType::ok, "AA");
  sent(h, 1, "A", OpType::ok, "AA");
  FakeSystem sys;
  sys.kept = {{"EHR^H", "A"}, {"EHR^H", "A-copy"}};
  EXPECT_EQ(check_idempotence(h, sys).valid, Validity::invalid);
  sys.kept = {{"EHR^H", "A"}};
  EXPECT_EQ(check_idempotence(h, sys).valid, Validity::valid);
}

Scenario scenario_expecting(const std::string& key, const std::string& value) {
  Scenario s;
  s.steps.push_back(Step{"only", Hl7Send{"MSH"}, {{key, value}}});
  return s;
}

TEST(Expectations, ComparesTheCompletionWithWhatTheStepExpects) {
  History h;
  sent(h, 0, "A", OpType::ok, "AA");
  EXPECT_EQ(check_expectations(scenario_expecting("ack", "AA"), h).valid, Validity::valid);
  EXPECT_EQ(check_expectations(scenario_expecting("ack", "AR"), h).valid, Validity::invalid);
  EXPECT_EQ(check_expectations(scenario_expecting("status", "success"), h).valid, Validity::invalid);
}

TEST(Expectations, UnknownWhenTheOutcomeWasNotObserved) {
  History h;
  sent(h, 0, "A", OpType::info, "");
  EXPECT_EQ(check_expectations(scenario_expecting("ack", "AA"), h).valid, Validity::unknown);
  History empty;
  EXPECT_EQ(check_expectations(scenario_expecting("ack", "AA"), empty).valid, Validity::unknown);
}

}  // namespace
}  // namespace radloop::harness
