// The skeleton's checkers: expectations per step, no silent loss, idempotence.
#include "harness/checkers.hpp"

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
  }
  return "unknown";
}

nlohmann::json to_json(Validity v) {
  if (v == Validity::valid) return true;
  if (v == Validity::invalid) return false;
  return "unknown";
}

Validity combine(const std::vector<CheckResult>& results) {
  auto verdict = Validity::valid;
  for (const auto& r : results) {
    if (r.valid == Validity::invalid) return Validity::invalid;
    if (r.valid == Validity::unknown) verdict = Validity::unknown;
  }
  return results.empty() ? Validity::unknown : verdict;
}

CheckResult check_expectations(const Scenario& scenario, const History& history) {
  CheckResult result{"expectations", Validity::valid, nlohmann::json::array()};
  const auto ops = history.operations();
  for (std::size_t i = 0; i < scenario.steps.size(); ++i) {
    const auto& step = scenario.steps[i];
    const Operation* completion = nullptr;
    for (const auto& op : ops) {
      if (op.type != OpType::invoke && op.value.value("step", -1) == static_cast<int>(i)) completion = &op;
    }
    nlohmann::json entry{{"step", i}, {"name", step.name}, {"expect", step.expect}};
    Validity v = Validity::valid;
    if (completion == nullptr || completion->type == OpType::info) {
      v = step.expect.empty() ? Validity::valid : Validity::unknown;
      entry["observed"] = completion == nullptr ? nlohmann::json("no completion") : completion->value;
    } else {
      entry["observed"] = completion->value;
      for (const auto& [key, expected] : step.expect) {
        const auto& value = completion->value;
        if (!value.contains(key) || !value[key].is_string() || value[key].get<std::string>() != expected) {
          v = Validity::invalid;
        }
      }
    }
    entry["valid"] = to_json(v);
    if (v == Validity::invalid || (v == Validity::unknown && result.valid == Validity::valid)) result.valid = v;
    result.evidence.push_back(entry);
  }
  return result;
}

CheckResult check_no_silent_loss(const History& history, SystemUnderTest& system) {
  CheckResult result{"no_silent_loss", Validity::valid, {{"acked", 0}, {"missing", nlohmann::json::array()}}};
  const auto keys = accepted_messages(history.operations());
  result.evidence["acked"] = keys.size();
  for (const auto& [sender, control_id] : keys) {
    auto kept = system.has_inbound(sender, control_id);
    if (!kept) {
      result.valid = Validity::unknown;
      result.evidence["unobservable"] = kept.error().message();
      return result;
    }
    if (!kept.value()) {
      result.valid = Validity::invalid;
      result.evidence["missing"].push_back({{"sender", sender}, {"control_id", control_id}});
    }
  }
  return result;
}

CheckResult check_idempotence(const History& history, SystemUnderTest& system) {
  CheckResult result{"idempotence", Validity::valid, {}};
  // Per message this run sent: the system keeps it at most once, whatever it answered and however
  // often it was resent; a resend kept as a record of its own makes two.
  std::map<std::string, std::set<std::string>> sent;
  for (const auto& op : history.operations()) {
    if (op.type != OpType::invoke || op.f != "hl7_send" || !op.value.contains("sender")) continue;
    sent[op.value.value("sender", "")].insert(op.value.value("control_id", ""));
  }
  result.evidence = nlohmann::json::array();
  for (const auto& [sender, ids] : sent) {
    std::int64_t kept = 0;
    nlohmann::json kept_again = nlohmann::json::array();
    std::optional<Error> unobservable;
    for (const auto& id : ids) {
      auto records = system.count_inbound_records(sender, id);
      if (!records) {
        unobservable = records.error();
        break;
      }
      kept += records.value();
      if (records.value() > 1) kept_again.push_back({{"control_id", id}, {"records", records.value()}});
    }
    if (unobservable) {
      if (result.valid == Validity::valid) result.valid = Validity::unknown;
      result.evidence.push_back({{"sender", sender}, {"unobservable", unobservable->message()}});
      continue;
    }
    const auto v = kept_again.empty() ? Validity::valid : Validity::invalid;
    nlohmann::json entry{{"sender", sender},
                         {"distinct_sent", static_cast<std::int64_t>(ids.size())},
                         {"kept", kept},
                         {"valid", to_json(v)}};
    if (!kept_again.empty()) entry["kept_more_than_once"] = kept_again;
    result.evidence.push_back(entry);
    if (v == Validity::invalid) result.valid = v;
  }
  return result;
}

std::vector<CheckResult> run_checkers(const Scenario& scenario, const History& history, SystemUnderTest& system,
                                      const ChartView& chart) {
  using Checker = std::function<CheckResult()>;
  const std::vector<std::pair<std::string, Checker>> checkers = {
      {"expectations", [&] { return check_expectations(scenario, history); }},
      {"no_silent_loss", [&] { return check_no_silent_loss(history, system); }},
      {"idempotence", [&] { return check_idempotence(history, system); }},
      {"no_wrong_patient", [&] { return check_no_wrong_patient(history, system); }},
      {"everything_lands", [&] { return check_everything_lands(history, system); }},
      {"reports_reach_chart", [&] { return check_reports_reach_chart(history, chart); }},
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
