// load.day: a day's work at scale through the same actor steps a scenario writes by hand, one
// worker per modality, and the figures a benchmark wants: throughput and time to land.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <thread>

#include "harness/actors.hpp"

namespace radloop::harness {
namespace {

using Clock = std::chrono::steady_clock;

double ms_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

// Nearest-rank percentile of sorted samples; -1 when there are none.
double percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return -1;
  const auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(sorted.size())));
  return sorted[std::clamp<std::size_t>(rank, 1, sorted.size()) - 1];
}

nlohmann::json spread(std::vector<double> samples) {
  std::sort(samples.begin(), samples.end());
  const auto round = [](double v) { return std::round(v * 10) / 10; };
  return {{"n", samples.size()},
          {"p50_ms", round(percentile(samples, 50))},
          {"p95_ms", round(percentile(samples, 95))},
          {"p99_ms", round(percentile(samples, 99))},
          {"max_ms", round(samples.empty() ? -1 : samples.back())}};
}

// What one study's journey measured.
struct Landed {
  bool linked = false;
  bool charted = false;
  std::int64_t instances = 0;
  std::optional<double> stored_ms;     // acquisition start -> every C-STORE answered
  std::optional<double> linked_ms;     // acquisition start -> the system shows the study linked
  std::optional<double> delivered_ms;  // report sent -> the EHR has it
};

class Day {
 public:
  Day(std::size_t index, const LoadDay& plan, Actors& actors, SystemUnderTest& system, History& history)
      : index_(index), plan_(plan), actors_(actors), system_(system), history_(history) {}

  // Study i's steps, each under an index of its own so that the checkers pair them.
  Landed journey(std::uint32_t i, const std::string& modality) {
    const auto mrn = fmt::format("LD{:06}{}", i + 1, actors_.id_suffix);
    const auto placer = fmt::format("LP{:06}{}", i + 1, actors_.id_suffix);
    PatientSpec patient;
    patient.mrn = mrn;
    patient.family = fmt::format("PATIENT{}", i + 1);
    patient.given = "DAY";
    patient.birth_date = "19700101";
    patient.sex.assign(1, i % 2 == 0 ? 'F' : 'M');  // assign(const char*) trips GCC 12 -Wrestrict at -O3
    Landed landed;
    std::size_t k = 0;
    const auto run = [&](const std::string& what, Action action, Expectations expect = {}) {
      Step step;
      step.name = fmt::format("{} {}", placer, what);
      step.action = std::move(action);
      step.expect = std::move(expect);
      return run_actor_step(sub_index(i, k++), step, &actors_, system_, history_);
    };
    EhrAdt adt;
    adt.patient = patient;
    if (run("registered", adt).type != OpType::ok) return landed;
    EhrOrder order;
    order.placer = placer;
    order.patient = patient;
    order.modality = actors_.modalities.at(modality).modality;
    order.procedure = fmt::format("IMG^{} EXAM^L", order.modality);
    if (run("ordered", order).type != OpType::ok) return landed;
    RisAccessioned accessioned;
    accessioned.placer = placer;
    accessioned.within = plan_.within;
    if (run("accessioned", accessioned).type != OpType::ok) return landed;
    ModalityAcquire acquire;
    acquire.modality = modality;
    acquire.placer = placer;
    acquire.study = placer;
    acquire.instances = plan_.instances;
    const auto started = Clock::now();
    const auto acquired = run(fmt::format("acquired on {}", modality), acquire);
    landed.stored_ms = ms_between(started, Clock::now());
    if (acquired.type != OpType::ok) return landed;
    SutStudy look;
    look.study = placer;
    look.within = plan_.within;
    const auto seen = run("linked", look, {{"state", expected_from_text("linked")}});
    landed.linked = seen.value.value("state", "") == "linked";
    if (landed.linked) landed.linked_ms = ms_between(started, Clock::now());
    landed.instances = seen.value.value("instances", std::int64_t{0});
    RisReport report;
    report.placer = placer;
    report.text = "No acute findings.";
    const auto signed_at = Clock::now();
    if (run("reported", report).type != OpType::ok) return landed;
    EhrChart chart;
    chart.placer = placer;
    chart.within = plan_.within;
    landed.charted = run("charted", chart).type == OpType::ok;
    if (landed.charted) landed.delivered_ms = ms_between(signed_at, Clock::now());
    return landed;
  }

 private:
  // Above the indices of written steps and of the RIS's own sends (1'000'000 + n).
  [[nodiscard]] std::size_t sub_index(std::uint32_t study, std::size_t k) const {
    return 10'000'000 * (index_ + 1) + static_cast<std::size_t>(study) * 10 + k;
  }

  std::size_t index_;
  const LoadDay& plan_;
  Actors& actors_;
  SystemUnderTest& system_;
  History& history_;
};

}  // namespace

Operation run_load_day(std::size_t index, const Step& step, const LoadDay& action, Actors& actors,
                       SystemUnderTest& system, History& history) {
  const auto f = std::string("load.day");
  history.append(step.name, OpType::invoke, f,
                 {{"step", index}, {"studies", action.studies}, {"modalities", action.modalities}});
  Day day(index, action, actors, system, history);
  std::vector<Landed> results(action.studies);
  const auto started = Clock::now();
  std::vector<std::thread> workers;
  const auto n = static_cast<std::uint32_t>(action.modalities.size());
  for (std::uint32_t w = 0; w < n; ++w) {
    workers.emplace_back([&, w] {
      for (std::uint32_t i = w; i < action.studies; i += n) {
        results[i] = day.journey(i, action.modalities[w]);
      }
    });
  }
  for (auto& t : workers) t.join();
  const auto seconds = ms_between(started, Clock::now()) / 1000.0;

  std::vector<double> stored;
  std::vector<double> linked;
  std::vector<double> delivered;
  std::int64_t instances = 0;
  std::uint32_t linked_count = 0;
  std::uint32_t charted_count = 0;
  for (const auto& r : results) {
    if (r.stored_ms) stored.push_back(*r.stored_ms);
    if (r.linked_ms) linked.push_back(*r.linked_ms);
    if (r.delivered_ms) delivered.push_back(*r.delivered_ms);
    instances += r.instances;
    linked_count += r.linked ? 1 : 0;
    charted_count += r.charted ? 1 : 0;
  }
  // Inbound HL7 per study: the EHR's A04 and ORM, the RIS's accessioned ORM and its ORU.
  const auto ops = history.operations();
  const auto messages = std::count_if(ops.begin(), ops.end(), [&](const Operation& op) {
    return op.f == "hl7_send" && op.type == OpType::invoke && op.value.value("step", std::size_t{0}) >= 10'000'000;
  });
  const auto inbound = messages + static_cast<std::int64_t>(actors.ris->orders().size());
  const auto rate = [&](double count) { return std::round(count / std::max(seconds, 1e-9) * 10) / 10; };
  nlohmann::json value{{"step", index},
                       {"studies", action.studies},
                       {"linked", linked_count},
                       {"charted", charted_count},
                       {"instances", instances},
                       {"hl7_messages_in", inbound},
                       {"seconds", std::round(seconds * 100) / 100},
                       {"messages_per_s", rate(static_cast<double>(inbound))},
                       {"instances_per_s", rate(static_cast<double>(instances))},
                       {"studies_per_s", rate(static_cast<double>(action.studies))},
                       {"time_to_stored", spread(stored)},
                       {"time_to_linked", spread(linked)},
                       {"time_to_delivered", spread(delivered)}};
  const bool all = linked_count == action.studies && charted_count == action.studies;
  return history.append(step.name, all ? OpType::ok : OpType::fail, f, value);
}

}  // namespace radloop::harness
