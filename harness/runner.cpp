// Step execution: each action becomes an invoke entry, then an ok / fail / info completion.
#include "harness/runner.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <thread>

#include "reference/dicom/echo_scu.hpp"
#include "reference/hl7/ack.hpp"
#include "reference/hl7/parser.hpp"
#include "reference/hl7/segments.hpp"
#include "reference/mllp/client.hpp"
#include "simulators/ehr/ehr.hpp"
#include "simulators/ris/ris.hpp"

namespace radloop::harness {
namespace {

std::string dimse_status_name(std::uint16_t status) {
  return status == 0 ? "success" : fmt::format("0x{:04X}", status);
}

// Outcome of a DICOM exchange: rejected and refused are definite; anything mid-exchange is not.
OpType echo_failure_type(const Error& error) {
  switch (error.code) {
    case Errc::dicom_association_rejected:
    case Errc::dicom_no_presentation_context:
    case Errc::connect_failed: return OpType::fail;
    default: return OpType::info;
  }
}

std::string echo_failure_status(const Error& error) {
  switch (error.code) {
    case Errc::dicom_association_rejected: return "rejected";
    case Errc::dicom_no_presentation_context: return "no_presentation_context";
    case Errc::connect_failed: return "refused";
    default: return "unknown";
  }
}

Operation run_echo(std::size_t index, const Step& step, const DicomEcho& action, const Endpoints& sut,
                   History& history) {
  const auto called = action.called_ae.empty() ? sut.ae_title : action.called_ae;
  history.append(step.name, OpType::invoke, "dicom_echo",
                 {{"step", index}, {"calling_ae", action.calling_ae}, {"called_ae", called}});
  auto result = dicom::echo(dicom::EchoRequest{sut.host, sut.dicom_port, action.calling_ae, called});
  if (result) {
    const auto type = result->status == 0 ? OpType::ok : OpType::fail;
    return history.append(step.name, type, "dicom_echo",
                          {{"step", index}, {"status", dimse_status_name(result->status)}, {"dimse", result->status}});
  }
  return history.append(
      step.name, echo_failure_type(result.error()), "dicom_echo",
      {{"step", index}, {"status", echo_failure_status(result.error())}, {"error", result.error().message()}});
}

Operation run_hl7_send(std::size_t index, const Step& step, const Hl7Send& action, const Endpoints& sut,
                       const RunOptions& options, History& history) {
  nlohmann::json invoke{{"step", index}};
  if (auto parsed = hl7::parse(action.message)) {
    if (auto msh = hl7::first<hl7::Msh>(parsed.value())) {
      invoke["sender"] = msh->sending_application() + "^" + msh->sending_facility();
      invoke["control_id"] = msh->control_id();
    }
    const auto type = hl7::message_type(*parsed).name();
    if (const auto orc = hl7::first<hl7::Orc>(*parsed); orc && (type.starts_with("ORM") || type.starts_with("OMI"))) {
      invoke["truth"] = {{"placer_order", orc->placer_order_number().id}, {"order_control", orc->order_control()}};
      if (const auto pid = hl7::first<hl7::Pid>(*parsed); pid && !pid->identifiers().empty()) {
        invoke["truth"]["patient_id"] = pid->identifiers().front().id;
      }
    }
    if (type.starts_with("ORU")) {
      // A report the scenario wrote out whole: its truth is what it says.
      const auto report = ehr::chart_entry(action.message);
      invoke["truth"] = {
          {"patient_id", report.patient_id}, {"issuer", report.issuer}, {"accession", report.accession},
          {"report_status", report.status},  {"text", report.text},     {"source", "the message the scenario wrote"}};
    }
  }
  history.append(step.name, OpType::invoke, "hl7_send", invoke);

  auto client = mllp::Client::connect(mllp::ClientConfig{sut.host, sut.mllp_port, std::chrono::milliseconds(5'000),
                                                         options.reply_timeout, mllp::kDefaultMaxFrameBytes});
  if (!client) {
    return history.append(step.name, OpType::fail, "hl7_send", {{"step", index}, {"error", client.error().message()}});
  }
  auto reply = client.value()->exchange(action.message);
  if (!reply) {
    // The message may or may not have been kept: the outcome is unknown, not failed.
    return history.append(step.name, OpType::info, "hl7_send", {{"step", index}, {"error", reply.error().message()}});
  }
  auto ack = hl7::read_ack(reply.value());
  if (!ack) {
    return history.append(step.name, OpType::info, "hl7_send",
                          {{"step", index}, {"error", "unreadable reply: " + ack.error().message()}});
  }
  if (const auto why = hl7::not_an_answer_to(*ack, invoke.value("control_id", ""))) {
    // An ACK naming another message says nothing of this one: its outcome is unknown.
    return history.append(step.name, OpType::info, "hl7_send",
                          {{"step", index},
                           {"ack", "none"},
                           {"answered", ack->code},
                           {"acknowledged_id", ack->acknowledged_id},
                           {"error", *why}});
  }
  return history.append(
      step.name, hl7::is_accepted(ack->code) ? OpType::ok : OpType::fail, "hl7_send",
      {{"step", index}, {"ack", ack->code}, {"acknowledged_id", ack->acknowledged_id}, {"text", ack->text}});
}

// The step with every wait shortened to the cap.
Step capped(Step step, const std::optional<std::chrono::milliseconds>& cap) {
  if (!cap) return step;
  std::visit(
      [&](auto& action) {
        if constexpr (requires { action.within; }) action.within = std::min(action.within, *cap);
      },
      step.action);
  return step;
}

// The new orders the system forwarded to the RIS simulator, read off what it received.
std::vector<ForwardedOrder> orders_at(ris::Ris& ris) {
  std::vector<ForwardedOrder> out;
  for (const auto& r : ris.peer().received()) {
    if (!hl7sim::kept(r) || !(r.message_type.starts_with("ORM") || r.message_type.starts_with("OMI"))) continue;
    auto parsed = hl7::parse(r.payload);
    if (!parsed) continue;
    const auto orc = hl7::first<hl7::Orc>(*parsed);
    if (orc && orc->order_control() == "NW") out.push_back({orc->placer_order_number().id, r.control_id});
  }
  return out;
}

PeerRecords records_of(Actors* actors, const std::optional<std::chrono::milliseconds>& cap) {
  PeerRecords peers;
  if (cap) peers.patience = std::min(peers.patience, *cap);
  if (actors != nullptr && actors->ehr) peers.chart = [ehr = actors->ehr.get()] { return ehr->chart(); };
  if (actors != nullptr && actors->ris) peers.orders_at_ris = [ris = actors->ris.get()] { return orders_at(*ris); };
  return peers;
}

}  // namespace

RunReport run_scenario(const Scenario& scenario, SystemUnderTest& system, const RunOptions& options) {
  return run_scenario(scenario, system, nullptr, options);
}

RunReport run_scenario(const Scenario& scenario, SystemUnderTest& system, Actors* actors, const RunOptions& options) {
  const auto started = std::chrono::steady_clock::now();
  History history;
  const auto sut = system.endpoints();
  for (std::size_t i = 0; i < scenario.steps.size(); ++i) {
    const auto step = capped(scenario.steps[i], options.wait_cap);
    Operation completion;
    if (const auto* echo = std::get_if<DicomEcho>(&step.action)) {
      completion = run_echo(i, step, *echo, sut, history);
    } else if (const auto* send = std::get_if<Hl7Send>(&step.action)) {
      completion = run_hl7_send(i, step, *send, sut, options, history);
    } else if (const auto* wait = std::get_if<Wait>(&step.action)) {
      history.append(step.name, OpType::invoke, "wait", {{"step", i}, {"seconds", wait->duration.count() / 1000.0}});
      std::this_thread::sleep_for(wait->duration);
      completion = history.append(step.name, OpType::ok, "wait", {{"step", i}});
    } else {
      completion = run_actor_step(i, step, actors, system, history);
    }
    if (options.on_step) options.on_step(i, completion);
  }
  if (actors != nullptr && actors->ris) record_actor_sends(*actors, history);
  RunReport report;
  report.scenario = scenario;
  report.sabotage = options.sabotage;
  report.endpoints = sut;
  report.history = history.operations();
  report.checks =
      run_checkers(scenario, history, system, records_of(actors, options.wait_cap), options.judge_policy_steps);
  report.verdict = combine(report.checks);
  report.duration = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
  return report;
}

Result<RunReport> run_scenario(const Scenario& as_written, const RunOptions& options) {
  const auto scenario = options.id_namespace ? in_namespace(as_written, *options.id_namespace) : as_written;
  if (options.sut) {
    // Someone else's system: the simulators listen where it was configured to send.
    if (!options.sabotage.empty()) {
      return Error{Errc::invalid_config, "--break", "defects can be switched on in the reference pipeline only"};
    }
    auto actors = Actors::start(scenario, options.sut->ris_listen_port, options.sut->ehr_listen_port);
    if (!actors) return actors.error();
    auto system = external_system(*options.sut);
    if (auto connected = actors->connect(system->endpoints()); !connected) return connected.error();
    auto report = run_scenario(scenario, *system, &*actors, options);
    report.system_name = options.sut->name;
    const auto& setup = scenario.reference;
    if (!setup.transfer_syntaxes.empty() || setup.known_callers_only) {
      report.notes.push_back(
          "the scenario sets the reference pipeline up (reference: transfer_syntaxes / known_callers_only); "
          "this system ran as it is configured, so its expectations assume a configuration it may not have");
    }
    return report;
  }
  // The simulators listen first, so the system can be started routing to them.
  auto actors = Actors::start(scenario);
  if (!actors) return actors.error();
  ReferenceOptions reference;
  for (const auto& name : options.sabotage) {
    if (auto on = pipeline::enable(reference.sabotage, name); !on) return on.error();
  }
  reference.routes = RoutedTo{{"127.0.0.1", actors->ris_port()}, {"127.0.0.1", actors->ehr_port()}};
  reference.transfer_syntaxes = scenario.reference.transfer_syntaxes;
  if (scenario.reference.known_callers_only) {
    for (const auto& m : scenario.modalities) reference.known_callers.push_back(m.ae_title);
    reference.known_callers.emplace_back("REPORTING");
    reference.known_callers.emplace_back("RADLOOP_SCU");
  }
  auto system = start_reference_system(reference);
  if (!system) return system.error();
  if (auto connected = actors->connect(system.value()->endpoints()); !connected) return connected.error();
  return run_scenario(scenario, *system.value(), &*actors, options);
}

}  // namespace radloop::harness
