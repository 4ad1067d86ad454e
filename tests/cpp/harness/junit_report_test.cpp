// The JUnit report: only a pass passes; fail, unknown and not exercised are failures of their own
// type (never skipped: dashboards show skipped as green); everything is escaped.
#include "harness/junit_report.hpp"

#include <gtest/gtest.h>

namespace radloop::harness {
namespace {

using nlohmann::json;

json run(const std::string& name, const json& valid, const std::string& origin = "scenarios/dicom/x.yaml") {
  return {{"scenario", name},
          {"description", "what it does"},
          {"origin", origin},
          {"seed", 3},
          {"valid", valid},
          {"duration_ms", 1500},
          {"checks", json::array({{{"name", "expectations"}, {"valid", valid}, {"evidence", {{"step", 0}}}},
                                  {{"name", "idempotence"}, {"valid", true}, {"evidence", json::array()}}})}};
}

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + what.size())) ++n;
  return n;
}

// The <testcase> element named `name`, up to its end.
std::string testcase(const std::string& xml, const std::string& name) {
  const auto start = xml.find("name=\"" + name + "\"");
  if (start == std::string::npos) return {};
  return xml.substr(start, xml.find("</testcase>", start) - start);
}

TEST(JunitReport, CountsAndMapsEachVerdict) {
  const auto xml = junit_xml(
      {run("passes", true), run("fails", false), run("unsure", "unknown"), run("idle", "not_exercised")}, "all");
  EXPECT_EQ(xml.rfind("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites", 0), 0u) << xml;
  EXPECT_NE(xml.find(R"(<testsuite name="all" tests="4" failures="3" errors="0" skipped="0" time="6.000">)"),
            std::string::npos)
      << xml;
  EXPECT_EQ(count(xml, "<testcase "), 4u);
  EXPECT_EQ(count(xml, "<skipped"), 0u);

  const auto passes = testcase(xml, "passes");
  EXPECT_NE(passes, "");
  EXPECT_EQ(passes.find("<failure"), std::string::npos);
  EXPECT_NE(xml.find(R"(<testcase classname="radloop.dicom" name="passes" time="1.500">)"), std::string::npos);

  const auto fails = testcase(xml, "fails");
  EXPECT_NE(fails.find(R"(<failure message="failed: expectations" type="check">expectations:)"), std::string::npos)
      << fails;
  EXPECT_NE(fails.find("&quot;step&quot;: 0"), std::string::npos) << "the failed check's evidence";
  EXPECT_EQ(fails.find("idempotence:"), std::string::npos) << "only failed checks are listed";

  // Unknown is a failure naming what could not be decided, with its reason: never a pass or a skip.
  const auto unsure = testcase(xml, "unsure");
  EXPECT_NE(unsure.find(R"(<failure message="unknown: expectations" type="unknown">expectations:)"), std::string::npos)
      << unsure;
  const auto idle = testcase(xml, "idle");
  EXPECT_NE(idle.find(R"(<failure message="not exercised: expectations" type="not_exercised">)"), std::string::npos)
      << idle;
  EXPECT_NE(idle.find("NOT EXERCISED"), std::string::npos) << idle;
}

TEST(JunitReport, AnUnknownRunWithoutUnknownChecksIsStillAFailure) {
  auto r = run("odd", json());
  r["checks"] = json::array();
  const auto xml = junit_xml({r}, "s");
  EXPECT_NE(xml.find(R"(<failure message="unknown: no check reached a verdict" type="unknown">)"), std::string::npos)
      << xml;
  EXPECT_NE(xml.find(R"(tests="1" failures="1" errors="0" skipped="0")"), std::string::npos);
}

TEST(JunitReport, ClassnameIsTheScenarioFolderOrTheSuite) {
  const auto xml =
      junit_xml({run("a", true, "scenarios/happy/a.yaml"), run("b", true, "b.yaml"), run("c", true, "")}, "nightly");
  EXPECT_NE(xml.find(R"(classname="radloop.happy" name="a")"), std::string::npos) << xml;
  EXPECT_NE(xml.find(R"(classname="radloop.nightly" name="b")"), std::string::npos);
  EXPECT_NE(xml.find(R"(classname="radloop.nightly" name="c")"), std::string::npos);
}

TEST(JunitReport, EscapesEverything) {
  const std::string hostile = "</script><script>alert(1)</script> &<>\"'";
  auto r = run(hostile, false);
  r["checks"][0]["name"] = hostile;
  r["checks"][0]["evidence"] = {{"message", "MSH|^~\\&|\rPID|\x01|\xff"}};
  r["description"] = hostile + "\rsecond line";
  const auto xml = junit_xml({r}, hostile);
  const std::string escaped = "&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt; &amp;&lt;&gt;&quot;&#39;";
  EXPECT_EQ(xml.find("<script"), std::string::npos) << xml;
  EXPECT_NE(xml.find("<testsuites name=\"" + escaped + "\""), std::string::npos);
  EXPECT_NE(xml.find("name=\"" + escaped + "\" time="), std::string::npos);
  EXPECT_NE(xml.find("<failure message=\"failed: " + escaped + "\""), std::string::npos);
  // A control character XML cannot carry is replaced; a carriage return is kept as a reference.
  EXPECT_EQ(xml.find('\x01'), std::string::npos);
  EXPECT_EQ(xml.find('\r'), std::string::npos);
  EXPECT_NE(xml.find("&#13;second line"), std::string::npos);
  EXPECT_EQ(xml.find('\xff'), std::string::npos);
  EXPECT_NE(xml.find("PID|\\u0001|"), std::string::npos) << "JSON escapes the control character in the evidence";
  EXPECT_NE(xml.find("classname=\"radloop.dicom\""), std::string::npos);
}

TEST(JunitReport, NoRunsIsAnEmptySuite) {
  const auto xml = junit_xml({}, "empty");
  EXPECT_NE(xml.find(R"(<testsuite name="empty" tests="0" failures="0" errors="0" skipped="0" time="0.000">)"),
            std::string::npos);
}

}  // namespace
}  // namespace radloop::harness
