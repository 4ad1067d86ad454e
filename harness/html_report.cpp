// Rendering runs as one HTML page: the summary and the checks are written here, the timelines are
// drawn in the browser by report.js from data embedded in the page.
#include "harness/html_report.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <map>

#include "harness/internal/report_assets.hpp"
#include "harness/internal/report_text.hpp"
#include "harness/report.hpp"

namespace radloop::harness {

namespace {

using internal::dump_json;
using internal::escape_html;
using internal::field;
using internal::text_of;
using internal::verdict_of;
using nlohmann::json;

// Operations that only change a simulator or let time pass: drawn on the actor's own lane, since
// nothing reaches the system under test.
constexpr std::array kSelfOperations{std::string_view{"wait"},       std::string_view{"ehr.acks"},
                                     std::string_view{"ris.acks"},   std::string_view{"ehr.down"},
                                     std::string_view{"ehr.up"},     std::string_view{"ris.collide"},
                                     std::string_view{"link.fault"}, std::string_view{"link.clear"},
                                     std::string_view{"link.down"},  std::string_view{"link.up"}};

std::string_view asset(std::string_view name) {
  for (const auto& file : internal::report_assets()) {
    if (file.name == name) return file.body;
  }
  return {};
}

// Fills the template's {{name}} placeholders in one pass, so text put in is never read as one.
std::string fill(std::string_view page, const std::map<std::string_view, std::string_view>& values) {
  std::string out;
  std::size_t at = 0;
  while (at < page.size()) {
    const auto open = page.find("{{", at);
    const auto close = open == std::string_view::npos ? open : page.find("}}", open + 2);
    if (close == std::string_view::npos) break;
    const auto found = values.find(page.substr(open + 2, close - open - 2));
    out.append(page.substr(at, open - at));
    if (found == values.end()) {
      out.append(page.substr(open, close + 2 - open));
    } else {
      out.append(found->second);
    }
    at = close + 2;
  }
  out.append(page.substr(std::min(at, page.size())));
  return out;
}

// JSON inside <script>: "<", ">" and "&" occur only in strings there, where \u escapes mean the
// same to JSON.parse and nothing to the HTML parser ("</script>", "<!--" cannot end or bend the tag).
std::string script_json(const json& value) {
  std::string out;
  for (const char c : dump_json(value)) {
    if (c == '<') {
      out += "\\u003c";
    } else if (c == '>') {
      out += "\\u003e";
    } else if (c == '&') {
      out += "\\u0026";
    } else {
      out += c;
    }
  }
  return out;
}

std::string_view verdict_class(Validity v) {
  switch (v) {
    case Validity::valid: return "pass";
    case Validity::invalid: return "fail";
    case Validity::not_exercised: return "not-exercised";
    case Validity::unknown: break;
  }
  return "unknown";
}

std::string verdict_badge(Validity v) {
  return fmt::format("<span class=\"verdict verdict-{}\">{}</span>", verdict_class(v), verdict_label(v));
}

std::string duration_text(const json& run) {
  const auto& duration = field(run, "duration_ms");
  const auto ms = duration.is_number() ? duration.get<double>() : -1.0;
  if (ms < 0) return "?";
  if (ms < 1000) return fmt::format("{:.0f} ms", ms);
  return fmt::format("{:.1f} s", ms / 1000);
}

const json& checks_of(const json& run) {
  static const json none = json::array();
  const auto& checks = field(run, "checks");
  return checks.is_array() ? checks : none;
}

// Check names with a given verdict, comma-separated.
std::string check_names(const json& run, Validity wanted) {
  std::string names;
  for (const auto& check : checks_of(run)) {
    if (verdict_of(field(check, "valid")) != wanted) continue;
    if (!names.empty()) names += ", ";
    names += text_of(check, "name");
  }
  return names;
}

// A completion in a few words, for its arrow: "ack AA for X", "status partial, 2 of 5 accepted".
std::string outcome(const json& op) {
  const auto type = text_of(op, "type");
  const auto plain = type == "info" ? std::string("unknown") : type;
  const auto& value = field(op, "value");
  if (!value.is_object()) return plain;
  if (value.empty() || (value.size() == 1 && value.contains("step"))) return plain;  // nothing but the step
  std::string text;
  try {
    text = describe_completion(value);
  } catch (const json::exception&) {
    // A value of an unexpected shape (a hand-written report): the arrow still says its type.
    return plain;
  }
  if (text == dump_json(value)) return plain;  // nothing describe_completion knows
  if (type != "info") return text;
  std::string unknown = "unknown: ";
  unknown += text;
  return unknown;
}

std::string summary_table(const std::vector<json>& runs) {
  std::string html =
      "<table class=\"summary\">\n<thead><tr><th>Scenario</th><th>Verdict</th><th>Duration</th>"
      "<th>Failed checks</th></tr></thead>\n<tbody>\n";
  for (std::size_t i = 0; i < runs.size(); ++i) {
    const auto& run = runs[i];
    const auto v = verdict_of(field(run, "valid"));
    std::string failed = escape_html(check_names(run, Validity::invalid));
    if (const auto unknown = check_names(run, Validity::unknown); !unknown.empty()) {
      if (!failed.empty()) failed += "; ";
      failed += "<span class=\"unknown-checks\">unknown: ";
      failed += escape_html(unknown);
      failed += "</span>";
    }
    html += fmt::format(
        "<tr class=\"run-row verdict-row-{}\"><td><a href=\"#run-{}\">{}</a></td><td>{}</td><td>{}</td><td>{}</td>"
        "</tr>\n",
        verdict_class(v), i, escape_html(text_of(run, "scenario")), verdict_badge(v), duration_text(run), failed);
  }
  html += "</tbody>\n</table>\n";
  return html;
}

std::string teaching(const json& run) {
  const auto& teaches = field(run, "teaches");
  if (!teaches.is_object() || teaches.empty()) return {};
  std::string items;
  for (const auto& [key, label] : {std::pair{"failure", "Failure"}, {"symptom", "Symptom"}, {"fix", "Fix"}}) {
    const auto text = text_of(teaches, key);
    if (!text.empty())
      items += fmt::format("<dt>{}</dt><dd class=\"teaches-{}\">{}</dd>", label, key, escape_html(text));
  }
  if (items.empty()) return {};
  return fmt::format("<aside class=\"teaches\"><h3>What it teaches</h3><dl>{}</dl></aside>\n", items);
}

// Evidence that lists verdicts item by item (the expectations: one per step) gets one line each,
// so the failing step shows without opening the JSON.
std::string evidence_items(const json& evidence) {
  if (!evidence.is_array() || evidence.empty()) return {};
  for (const auto& item : evidence) {
    if (!item.is_object() || !item.contains("name") || !item.contains("valid")) return {};
  }
  std::string html = "<ul class=\"evidence-items\">";
  for (const auto& item : evidence) {
    const auto v = verdict_of(item["valid"]);
    html += fmt::format("<li class=\"item-{}\">{} <span class=\"item-name\">{}</span>", verdict_class(v),
                        verdict_badge(v), escape_html(text_of(item, "name")));
    if (item.contains("observed")) {
      std::string observed;
      try {
        observed = describe_completion(item["observed"]);
      } catch (const json::exception&) {
        observed = dump_json(item["observed"]);
      }
      html += fmt::format(": <span class=\"item-observed\">{}</span>", escape_html(observed));
    }
    html += "</li>";
  }
  html += "</ul>";
  return html;
}

std::string checks_list(const json& run) {
  const auto& checks = checks_of(run);
  if (checks.empty()) return "<p class=\"no-checks\">No checks ran.</p>\n";
  std::string html = "<ul class=\"checks\">\n";
  for (const auto& check : checks) {
    const auto v = verdict_of(field(check, "valid"));
    const std::string_view style = v == Validity::valid           ? "check-passed"
                                   : v == Validity::invalid       ? "check-failed"
                                   : v == Validity::not_exercised ? "check-not-exercised"
                                                                  : "check-unknown";
    const auto evidence = field(check, "evidence");
    html += fmt::format(
        "<li class=\"check {}\">{} <span class=\"check-name\">{}</span>{}<details class=\"evidence\"{}><summary>"
        "evidence</summary><pre>{}</pre></details></li>\n",
        style, verdict_badge(v), escape_html(text_of(check, "name")), evidence_items(evidence),
        v == Validity::valid || v == Validity::not_exercised ? "" : " open", escape_html(dump_json(evidence, 2)));
  }
  html += "</ul>\n";
  return html;
}

std::string run_section(const json& run, std::size_t i) {
  const auto v = verdict_of(field(run, "valid"));
  std::string html = fmt::format("<section class=\"run run-{}\" id=\"run-{}\" data-scenario=\"{}\">\n",
                                 verdict_class(v), i, escape_html(text_of(run, "scenario")));
  html += fmt::format("<h2>{} {}</h2>\n", verdict_badge(v), escape_html(text_of(run, "scenario")));
  if (const auto description = text_of(run, "description"); !description.empty())
    html += fmt::format("<p class=\"description\">{}</p>\n", escape_html(description));
  const auto system = field(run, "system");
  html += fmt::format("<p class=\"meta\">file <code>{}</code> · seed {} · system {} · {}</p>\n",
                      escape_html(text_of(run, "origin")), escape_html(text_of(run, "seed")),
                      escape_html(text_of(system, "kind")), duration_text(run));
  // A run against a reference broken on purpose says so where nobody can miss it.
  if (const auto broken = field(system, "broken_on_purpose"); broken.is_array() && !broken.empty()) {
    std::string names;
    for (const auto& b : broken) {
      if (!names.empty()) names += ", ";
      names += escape_html(b.is_string() ? b.get<std::string>() : b.dump());
    }
    html += fmt::format("<p class=\"broken\">broken on purpose: {}</p>\n", names);
  }
  html += teaching(run);
  html += "<h3>Checks</h3>\n";
  html += checks_list(run);
  html += "<h3>Timeline</h3>\n";
  html += fmt::format(
      "<div class=\"timeline\" data-run=\"{}\"><noscript>The timeline is drawn by JavaScript.</noscript></div>\n", i);
  html += "</section>\n";
  return html;
}

std::string totals(const std::vector<json>& runs) {
  std::map<Validity, int> count;
  double ms = 0;
  for (const auto& run : runs) {
    ++count[verdict_of(field(run, "valid"))];
    if (const auto& duration = field(run, "duration_ms"); duration.is_number()) ms += duration.get<double>();
  }
  return fmt::format(
      "<p class=\"totals\">{} scenario{}: <span class=\"verdict-pass\">{} passed</span>, <span "
      "class=\"verdict-fail\">{} failed</span>, <span class=\"verdict-unknown\">{} unknown</span>, <span "
      "class=\"verdict-not-exercised\">{} not exercised</span> · {:.1f} s</p>\n",
      runs.size(), runs.size() == 1 ? "" : "s", count[Validity::valid], count[Validity::invalid],
      count[Validity::unknown], count[Validity::not_exercised], ms / 1000);
}

// "ack AR" for {"ack": "AR"}; "accepted 2, status partial" for two keys.
std::string expectation_text(const json& expect) {
  if (expect.is_null()) return "the step to succeed";  // a step without expect:
  if (!expect.is_object()) return dump_json(expect);
  std::string text;
  for (const auto& [key, value] : expect.items()) {
    if (!text.empty()) text += ", ";
    text += key;
    text += ' ';
    text += value.is_string() ? value.get<std::string>() : dump_json(value);
  }
  return text;
}

// The steps whose completion broke its `expect` (the expectations check's evidence), with what
// was expected: their arrows are marked, so the timeline shows where the run went wrong.
std::map<std::int64_t, std::string> unmet_expectations(const json& run) {
  std::map<std::int64_t, std::string> unmet;
  for (const auto& check : checks_of(run)) {
    const auto& evidence = field(check, "evidence");
    if (text_of(check, "name") != "expectations" || !evidence.is_array()) continue;
    for (const auto& item : evidence) {
      const auto& step = field(item, "step");
      if (step.is_number_integer() && verdict_of(field(item, "valid")) == Validity::invalid)
        unmet[step.get<std::int64_t>()] = expectation_text(field(item, "expect"));
    }
  }
  return unmet;
}

}  // namespace

json timeline_data(const json& run) {
  const auto unmet = unmet_expectations(run);
  std::vector<std::string> actors;
  json events = json::array();
  if (const auto& history = field(run, "history"); history.is_array()) {
    for (const auto& op : history) {
      if (!op.is_object()) continue;
      auto actor = text_of(op, "actor");
      if (actor.empty()) actor = "harness";
      if (std::find(actors.begin(), actors.end(), actor) == actors.end()) actors.push_back(actor);
      const auto type = text_of(op, "type");
      const auto f = text_of(op, "f");
      const bool self = std::find(kSelfOperations.begin(), kSelfOperations.end(), f) != kSelfOperations.end();
      json event = {{"index", field(op, "index")},
                    {"time_us", field(op, "time_us")},
                    {"process", text_of(op, "process")},
                    {"type", type},
                    {"f", f},
                    {"actor", actor},
                    {"to", self ? "self" : "sut"},
                    {"label", type == "invoke" ? text_of(op, "process") : outcome(op)},
                    {"value", field(op, "value")}};
      const auto& step = field(field(op, "value"), "step");
      if (type != "invoke" && step.is_number_integer()) {
        if (const auto found = unmet.find(step.get<std::int64_t>()); found != unmet.end())
          event["expected"] = found->second;
      }
      events.push_back(std::move(event));
    }
  }
  // The system under test in the middle: arrows from either side cross fewer lanes.
  json lanes = json::array();
  const auto middle = (actors.size() + 1) / 2;
  for (std::size_t i = 0; i <= actors.size(); ++i) {
    if (i == middle) lanes.push_back(kSutLane);
    if (i < actors.size()) lanes.push_back(actors[i]);
  }
  return {{"scenario", text_of(run, "scenario")}, {"sut", kSutLane}, {"lanes", lanes}, {"events", events}};
}

std::string html_report(const std::vector<json>& runs, const std::string& title) {
  std::string body = fmt::format("<header><h1>{}</h1>\n", escape_html(title));
  body += totals(runs);
  body += "</header>\n<main>\n";
  body += summary_table(runs);
  json data = json::array();
  for (std::size_t i = 0; i < runs.size(); ++i) {
    body += run_section(runs[i], i);
    data.push_back(timeline_data(runs[i]));
  }
  body += "</main>\n";
  const auto escaped_title = escape_html(title);
  const auto embedded = script_json(data);
  return fill(asset("report.html"), {{"title", escaped_title},
                                     {"css", asset("report.css")},
                                     {"body", body},
                                     {"data", embedded},
                                     {"js", asset("report.js")}});
}

}  // namespace radloop::harness
