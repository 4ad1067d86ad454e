// Rendering runs as JUnit XML: a pass is a pass; fail, unknown and not exercised are each a
// <failure> of their own type (never <skipped>, which dashboards show as green).
#include "harness/junit_report.hpp"

#include <fmt/format.h>

#include <filesystem>

#include "harness/internal/report_text.hpp"

namespace radloop::harness {

namespace {

using internal::dump_json;
using internal::escape_xml;
using internal::field;
using internal::text_of;
using internal::verdict_of;
using nlohmann::json;

double seconds(const json& run) {
  const auto& ms = field(run, "duration_ms");
  return ms.is_number() ? ms.get<double>() / 1000 : 0.0;
}

// "radloop.dicom" for scenarios/dicom/abort_mid_study.yaml.
std::string classname(const json& run, const std::string& suite_name) {
  auto folder = std::filesystem::path(text_of(run, "origin")).parent_path().filename().string();
  if (folder.empty() || folder == "." || folder == "..") folder = suite_name;
  std::string name = "radloop.";
  name += folder;
  return name;
}

struct Checks {
  std::string names;     // "a, b"
  std::string evidence;  // each check's name and evidence, a block each
};

Checks checks_with(const json& run, Validity wanted) {
  Checks out;
  const auto& checks = field(run, "checks");
  if (!checks.is_array()) return out;
  for (const auto& check : checks) {
    if (verdict_of(field(check, "valid")) != wanted) continue;
    const auto name = text_of(check, "name");
    if (!out.names.empty()) out.names += ", ";
    out.names += name;
    out.evidence += fmt::format("{}:\n{}\n\n", name, dump_json(field(check, "evidence"), 2));
  }
  return out;
}

std::string testcase(const json& run, const std::string& suite_name) {
  std::string xml =
      fmt::format(R"(    <testcase classname="{}" name="{}" time="{:.3f}")", escape_xml(classname(run, suite_name)),
                  escape_xml(text_of(run, "scenario")), seconds(run));
  std::string inner;
  const auto verdict = verdict_of(field(run, "valid"));
  if (verdict == Validity::invalid) {
    const auto failed = checks_with(run, Validity::invalid);
    std::string message = "failed: ";
    message += failed.names.empty() ? "the run failed without a failed check" : failed.names;
    inner += fmt::format("      <failure message=\"{}\" type=\"check\">{}</failure>\n", escape_xml(message),
                         escape_xml(failed.evidence));
  } else if (verdict == Validity::unknown || verdict == Validity::not_exercised) {
    // A failure, not a skip: many dashboards show skipped as green, and nothing was shown to hold.
    const auto unknown = checks_with(run, verdict);
    std::string message = verdict == Validity::unknown ? "unknown: " : "not exercised: ";
    message += unknown.names.empty() ? "no check reached a verdict" : unknown.names;
    inner += fmt::format("      <failure message=\"{}\" type=\"{}\">{}</failure>\n", escape_xml(message),
                         verdict == Validity::unknown ? "unknown" : "not_exercised", escape_xml(unknown.evidence));
  }
  std::string out = fmt::format("{}\n{}: {}\nfile {}, seed {}\n", text_of(run, "scenario"), verdict_label(verdict),
                                text_of(run, "description"), text_of(run, "origin"), text_of(run, "seed"));
  inner += fmt::format("      <system-out>{}</system-out>\n", escape_xml(out));
  xml += ">\n";
  xml += inner;
  xml += "    </testcase>\n";
  return xml;
}

}  // namespace

std::string junit_xml(const std::vector<json>& runs, const std::string& suite_name) {
  std::size_t failures = 0;
  double time = 0;
  std::string cases;
  for (const auto& run : runs) {
    const auto verdict = verdict_of(field(run, "valid"));
    if (verdict != Validity::valid) ++failures;
    time += seconds(run);
    cases += testcase(run, suite_name);
  }
  const auto name = escape_xml(suite_name);
  std::string xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  xml += fmt::format(R"(<testsuites name="{}" tests="{}" failures="{}" errors="0" skipped="0" time="{:.3f}">)", name,
                     runs.size(), failures, time);
  xml += fmt::format(R"(
  <testsuite name="{}" tests="{}" failures="{}" errors="0" skipped="0" time="{:.3f}">)",
                     name, runs.size(), failures, time);
  xml += "\n";
  xml += cases;
  xml += "  </testsuite>\n</testsuites>\n";
  return xml;
}

}  // namespace radloop::harness
