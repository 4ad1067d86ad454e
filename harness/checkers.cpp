// The skeleton's checkers: expectations per step, no silent loss, idempotence.
#include "harness/checkers.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "reference/hl7/ack.hpp"

#include <map>
#include <optional>
#include <set>

namespace radloop::harness {
namespace {

bool acked_ok(const Operation& op) {
  if (op.type != OpType::ok || op.f != "hl7_send") return false;
  return hl7::is_accepted(op.value.value("ack", ""));
}

// The invocation that a completion answers: same step index, type invoke.
const Operation* invocation_of(const std::vector<Operation>& ops, const Operation& completion) {
  for (const auto& op : ops) {
    if (op.type == OpType::invoke && op.value.value("step", -1) == completion.value.value("step", -2)) return &op;
  }
  return nullptr;
}

// (sender, control ID) of every message the system ACKed as accepted.
std::set<std::pair<std::string, std::string>> accepted_messages(const std::vector<Operation>& ops) {
  std::set<std::pair<std::string, std::string>> keys;
  for (const auto& op : ops) {
    if (!acked_ok(op)) continue;
    if (const auto* invoke = invocation_of(ops, op)) {
      keys.emplace(invoke->value.value("sender", ""), invoke->value.value("control_id", ""));
    }
  }
  return keys;
}

}  // namespace

std::string_view to_string(Validity v) {
  switch (v) {
    case Validity::valid: return "valid";
    case Validity::invalid: return "invalid";
    case Validity::unknown: return "unknown";
    case Validity::not_exercised: return "not_exercised";
  }
  return "unknown";
}

nlohmann::json to_json(Validity v) {
  if (v == Validity::valid) return true;
  if (v == Validity::invalid) return false;
  return std::string(to_string(v));
}

std::string_view verdict_label(Validity v) {
  switch (v) {
    case Validity::valid: return "PASS";
    case Validity::invalid: return "FAIL";
    case Validity::unknown: return "UNKNOWN";
    case Validity::not_exercised: return "NOT EXERCISED";
  }
  return "UNKNOWN";
}

Validity worse(Validity a, Validity b) {
  const auto rank = [](Validity v) {
    switch (v) {
      case Validity::not_exercised: return 0;
      case Validity::valid: return 1;
      case Validity::unknown: return 2;
      case Validity::invalid: return 3;
    }
    return 2;
  };
  return rank(b) > rank(a) ? b : a;
}

Validity combine(const std::vector<CheckResult>& results) {
  if (results.empty()) return Validity::unknown;
  auto verdict = Validity::not_exercised;
  for (const auto& r : results) worsen(verdict, r.valid);
  return verdict;
}

CheckResult check_expectations(const Scenario& scenario, const History& history, bool judge_policy) {
  CheckResult result{"expectations", Validity::not_exercised, nlohmann::json::array()};
  const auto ops = history.operations();
  for (std::size_t i = 0; i < scenario.steps.size(); ++i) {
    const auto& step = scenario.steps[i];
    const Operation* completion = nullptr;
    for (const auto& op : ops) {
      if (op.type != OpType::invoke && op.value.value("step", -1) == static_cast<int>(i)) completion = &op;
    }
    nlohmann::json entry{{"step", i}, {"name", step.name}};
    if (!step.expect.empty()) entry["expect"] = to_json(step.expect);
    if (!step.policy.empty()) entry["policy"] = step.policy;
    entry["observed"] = completion == nullptr ? nlohmann::json("no completion") : completion->value;
    Validity v = Validity::valid;
    if (!step.policy.empty() && !judge_policy) {
      v = Validity::not_exercised;
      entry["why"] = "a local policy this profile leaves out: " + step.policy;
    } else if (completion == nullptr || completion->type == OpType::info) {
      // The outcome is unknown: neither what it expects nor that it succeeded can be shown.
      v = Validity::unknown;
      entry["why"] = "the step's outcome is unknown";
    } else if (step.expect.empty()) {
      // A step's own expectation: that it did what it says. A setup step that failed (a fault
      // not put on a link, an ACK script not set) leaves the scenario testing something else.
      if (completion->type != OpType::ok) {
        v = Validity::invalid;
        entry["why"] = "the step did not succeed";
      }
    } else {
      std::vector<std::string> wrong;
      for (const auto& [key, expected] : step.expect) {
        const auto& value = completion->value;
        if (!value.contains(key) || !expected.matches(value[key])) wrong.push_back(key);
      }
      if (!wrong.empty()) {
        v = Validity::invalid;
        entry["why"] = fmt::format("not as expected: {}", fmt::join(wrong, ", "));
      }
    }
    entry["valid"] = to_json(v);
    worsen(result.valid, v);
    result.evidence.push_back(entry);
  }
  return result;
}

CheckResult check_no_silent_loss(const History& history, SystemUnderTest& system) {
  CheckResult result{"no_silent_loss", Validity::not_exercised, {{"acked", 0}, {"missing", nlohmann::json::array()}}};
  const auto keys = accepted_messages(history.operations());
  result.evidence["acked"] = keys.size();
  for (const auto& [sender, control_id] : keys) {
    auto kept = system.has_inbound(sender, control_id);
    if (!kept) {
      worsen(result.valid, Validity::unknown);
      result.evidence["unobservable"] = kept.error().message();
      return result;
    }
    worsen(result.valid, kept.value() ? Validity::valid : Validity::invalid);
    if (!kept.value()) result.evidence["missing"].push_back({{"sender", sender}, {"control_id", control_id}});
  }
  return result;
}

std::vector<CheckResult> run_checkers(const Scenario& scenario, const History& history, SystemUnderTest& system,
                                      const PeerRecords& peers, bool judge_policy) {
  using Checker = std::function<CheckResult()>;
  const std::vector<std::pair<std::string, Checker>> checkers = {
      {"expectations", [&] { return check_expectations(scenario, history, judge_policy); }},
      {"no_silent_loss", [&] { return check_no_silent_loss(history, system); }},
      {"no_wrong_patient", [&] { return check_no_wrong_patient(history, system); }},
      {"everything_lands", [&] { return check_everything_lands(history, system); }},
      {"reports_reach_chart", [&] { return check_reports_reach_chart(history, peers, &system); }},
      // Last: the reports' check has waited for the chart to fill.
      {"idempotence", [&] { return check_idempotence(history, system, peers); }},
  };
  std::vector<CheckResult> results;
  for (const auto& [name, checker] : checkers) {
    try {
      results.push_back(checker());
    } catch (const std::exception& e) {
      results.push_back(CheckResult{name, Validity::unknown, {{"error", e.what()}}});
    }
  }
  return results;
}

}  // namespace radloop::harness
