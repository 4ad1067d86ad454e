// Rendering a RunReport as JSON and as a short text summary.
#include "harness/report.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <fstream>
#include <map>

namespace radloop::harness {

namespace {

// Who acted, for the report's lanes: EHR, RIS, a modality's AE title, the network (link faults) or the harness itself
// (waiting, looking at the system). Read off the invocation; a completion shares its lane.
std::string actor_of(const Operation& invoke) {
  const auto& v = invoke.value;
  if (invoke.f == "hl7_send") {
    const auto sender = v.value("sender", "");
    return sender.empty() ? "HL7 sender" : sender.substr(0, sender.find('^'));
  }
  if (invoke.f == "modality.acquire" || invoke.f == "dicom_echo") return v.value("calling_ae", "modality");
  if (invoke.f.rfind("ehr.", 0) == 0) return "EHR";
  if (invoke.f.rfind("ris.", 0) == 0) return "RIS";
  if (invoke.f.rfind("link.", 0) == 0) return "network";
  return "harness";
}

// A completion's value as text: a string as it is, a number or a flag written out, "?" if absent.
std::string plain(const nlohmann::json& value, const char* key) {
  if (!value.contains(key)) return "?";
  const auto& v = value[key];
  return v.is_string() ? v.get<std::string>() : v.dump();
}

}  // namespace

nlohmann::json to_json(const RunReport& report) {
  nlohmann::json history = nlohmann::json::array();
  std::map<std::int64_t, std::string> actors;  // by step index
  for (const auto& op : report.history) {
    auto entry = to_json(op);
    const auto step = op.value.value("step", std::int64_t{-1});
    if (op.type == OpType::invoke) actors[step] = actor_of(op);
    entry["actor"] = actors.contains(step) ? actors[step] : actor_of(op);
    history.push_back(std::move(entry));
  }
  nlohmann::json checks = nlohmann::json::array();
  for (const auto& c : report.checks)
    checks.push_back({{"name", c.name}, {"valid", to_json(c.valid)}, {"evidence", c.evidence}});
  const auto& t = report.scenario.teaches;
  nlohmann::json teaches = nlohmann::json::object();
  if (!t.failure.empty()) teaches = {{"failure", t.failure}, {"symptom", t.symptom}, {"fix", t.fix}};
  return {{"scenario", report.scenario.name},
          {"description", report.scenario.description},
          {"teaches", teaches},
          {"origin", report.scenario.origin.string()},
          {"seed", report.scenario.seed},
          {"id_suffix", report.scenario.id_suffix},
          {"system",
           {{"kind", report.system_name == "reference" ? std::string("reference") : std::string("endpoints")},
            {"name", report.system_name},
            {"broken_on_purpose", report.sabotage},
            {"host", report.endpoints.host},
            {"mllp_port", report.endpoints.mllp_port},
            {"dicom_port", report.endpoints.dicom_port},
            {"ae_title", report.endpoints.ae_title}}},
          {"valid", to_json(report.verdict)},
          {"duration_ms", report.duration.count()},
          {"notes", report.notes},
          {"checks", checks},
          {"history", history}};
}

std::string describe_completion(const nlohmann::json& value) {
  if (!value.is_object()) return value.dump();
  std::string text;
  if (value.contains("ack")) {
    text = "ack " + value["ack"].get<std::string>();
    const auto id = value.value("acknowledged_id", "");
    if (!id.empty()) text += " for " + id;
    const auto why = value.value("text", "");
    if (!why.empty()) text += ": " + why;
  } else if (value.contains("messages_per_s")) {
    const auto p = [&](const char* key) {
      const auto& s = value[key];
      return fmt::format("{}/{}/{}", s.value("p50_ms", -1.0), s.value("p95_ms", -1.0), s.value("p99_ms", -1.0));
    };
    text = fmt::format(
        "{} of {} studies linked, {} charted in {} s: {} HL7 msg/s in, {} instances/s; p50/p95/p99 ms to stored {}, "
        "to linked {}, report to chart {}",
        plain(value, "linked"), plain(value, "studies"), plain(value, "charted"), value.value("seconds", 0.0),
        value.value("messages_per_s", 0.0), value.value("instances_per_s", 0.0), p("time_to_stored"),
        p("time_to_linked"), p("time_to_delivered"));
  } else if (value.contains("state")) {
    text = "study " + value["state"].get<std::string>();
    const auto reason = value.value("reason", "");
    if (!reason.empty()) text += " (" + reason + ")";
    const auto linked = value.value("linked_accession", "");
    if (!linked.empty()) text += " to order " + linked;
    text += ", " + plain(value, "instances") + " instance(s)";
  } else if (value.contains("status")) {
    text = "status " + value["status"].get<std::string>();
    if (value.contains("accepted"))
      text += fmt::format(", {} of {} accepted", plain(value, "accepted"), value.value("sent", 0));
  } else if (value.contains("found")) {
    text = value["found"] == true ? "found" : "not found";
  } else if (value.contains("link_stats")) {
    const auto& s = value["link_stats"];
    const auto bytes = [&](const char* key) {
      return fmt::format("{} of {} bytes", s[key].value("delivered", 0), s[key].value("received", 0));
    };
    text = fmt::format("link so far: {} connection(s), messages {} passed on, replies {}", s.value("connections", 0),
                       bytes("message_bytes"), bytes("reply_bytes"));
    if (s.value("closed_by_faults", 0) + s.value("reset", 0) > 0)
      text += fmt::format(", {} closed and {} reset by faults", s.value("closed_by_faults", 0), s.value("reset", 0));
  }
  if (value.contains("error")) {
    // DCMTK's reasons span lines; the last line says the most ("Reason: ...").
    auto error = value["error"].get<std::string>();
    if (const auto nl = error.rfind('\n'); nl != std::string::npos) error = error.substr(nl + 1);
    text += (text.empty() ? "" : ": ") + error;
  }
  return text.empty() ? value.dump() : text;
}

std::string summary(const RunReport& report) {
  const auto label = verdict_label;
  std::string out = fmt::format("scenario {} — {}\n", report.scenario.name, report.scenario.description);
  if (!report.sabotage.empty()) {
    out += fmt::format("  broken on purpose: {}\n", fmt::join(report.sabotage, ", "));
  }
  out += fmt::format("  system: {} (MLLP {}:{}, DICOM {} at {}:{})\n", report.system_name, report.endpoints.host,
                     report.endpoints.mllp_port, report.endpoints.ae_title, report.endpoints.host,
                     report.endpoints.dicom_port);
  for (const auto& note : report.notes) out += fmt::format("  note: {}\n", note);
  if (!report.scenario.id_suffix.empty()) {
    out += fmt::format("  identifiers suffixed {} (seed {})\n", report.scenario.id_suffix, report.scenario.seed);
  }
  for (const auto& c : report.checks) {
    out += fmt::format("  {:<13} {}\n", label(c.valid), c.name);
    if (c.name == "expectations") {
      for (const auto& e : c.evidence) {
        const auto v = e["valid"];
        const auto mark = v == true ? "ok " : v == false ? "BAD" : " ? ";
        out +=
            fmt::format("    [{}] {}: {}{}\n", mark, e["name"].get<std::string>(), describe_completion(e["observed"]),
                        e.contains("why") ? " — " + e["why"].get<std::string>() : std::string());
      }
    } else if (c.valid != Validity::valid && c.valid != Validity::not_exercised) {
      out += fmt::format("    evidence: {}\n", c.evidence.dump());
    }
  }
  out += fmt::format("verdict: {} ({} operations, {} ms)\n", label(report.verdict), report.history.size(),
                     report.duration.count());
  return out;
}

Result<void> write_report(const RunReport& report, const std::filesystem::path& path) {
  std::error_code ec;
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path(), ec);
  std::ofstream out(path);
  if (!out) return Error{Errc::io_failed, path.string(), "cannot open the report file for writing"};
  out << to_json(report).dump(2) << '\n';
  if (!out) return Error{Errc::io_failed, path.string(), "writing the report failed"};
  return {};
}

}  // namespace radloop::harness
