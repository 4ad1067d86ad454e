// The HTML report: hostile text stays text, verdicts get their styles, every actor gets a lane.
#include "harness/html_report.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace radloop::harness {
namespace {

using nlohmann::json;

const std::string kHostile = "</script><script>alert(1)</script> &<>\"'";

// A run as to_json(const RunReport&) writes it: the EHR registers a patient (AA, though AR was
// expected), the RIS accessions an order, a CT sends images and one association fails.
json sample_run(const std::string& name, const json& valid, const std::string& step = "EHR registers MRN1") {
  json history = json::array({
      {{"index", 0},
       {"time_us", 10},
       {"process", step},
       {"type", "invoke"},
       {"f", "hl7_send"},
       {"value", {{"step", 0}, {"sender", "EHR^GENERAL"}}},
       {"actor", "EHR"}},
      {{"index", 1},
       {"time_us", 20},
       {"process", step},
       {"type", "ok"},
       {"f", "hl7_send"},
       {"value", {{"step", 0}, {"ack", "AA"}, {"acknowledged_id", "C1"}, {"text", ""}}},
       {"actor", "EHR"}},
      {{"index", 2},
       {"time_us", 30},
       {"process", "RIS accessions P1"},
       {"type", "invoke"},
       {"f", "ris.accessioned"},
       {"value", {{"step", 1}, {"placer", "P1"}}},
       {"actor", "RIS"}},
      {{"index", 3},
       {"time_us", 40},
       {"process", "RIS accessions P1"},
       {"type", "info"},
       {"f", "ris.accessioned"},
       {"value", {{"step", 1}, {"error", "no reply"}}},
       {"actor", "RIS"}},
      {{"index", 4},
       {"time_us", 50},
       {"process", "the CT sends"},
       {"type", "invoke"},
       {"f", "modality.acquire"},
       {"value", {{"step", 2}, {"calling_ae", "CT_SCANNER_1"}}},
       {"actor", "CT_SCANNER_1"}},
      {{"index", 5},
       {"time_us", 60},
       {"process", "the CT sends"},
       {"type", "fail"},
       {"f", "modality.acquire"},
       {"value", {{"step", 2}, {"status", "partial"}, {"accepted", "2"}, {"sent", 5}}},
       {"actor", "CT_SCANNER_1"}},
      {{"index", 6},
       {"time_us", 70},
       {"process", "wait a bit"},
       {"type", "invoke"},
       {"f", "wait"},
       {"value", {{"step", 3}, {"seconds", 0.1}}},
       {"actor", "harness"}},
      {{"index", 7},
       {"time_us", 80},
       {"process", "wait a bit"},
       {"type", "ok"},
       {"f", "wait"},
       {"value", {{"step", 3}}},
       {"actor", "harness"}},
  });
  json expectations = json::array({
      {{"name", step}, {"step", 0}, {"expect", {{"ack", "AR"}}}, {"observed", {{"ack", "AA"}}}, {"valid", false}},
      {{"name", "RIS accessions P1"},
       {"step", 1},
       {"expect", {{"ack", "AA"}}},
       {"observed", json::object()},
       {"valid", "unknown"}},
  });
  return {{"scenario", name},
          {"description", "a description"},
          {"teaches", {{"failure", "the failure taught"}, {"symptom", "the symptom seen"}, {"fix", "the fix"}}},
          {"origin", "scenarios/dicom/" + name + ".yaml"},
          {"seed", 7},
          {"system", {{"kind", "reference"}}},
          {"valid", valid},
          {"duration_ms", 1234},
          {"checks", json::array({{{"name", "expectations"}, {"valid", false}, {"evidence", expectations}},
                                  {{"name", "no_silent_loss"}, {"valid", "unknown"}, {"evidence", {{"why", "down"}}}},
                                  {{"name", "idempotence"}, {"valid", true}, {"evidence", json::array()}}})},
          {"history", history}};
}

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + what.size())) ++n;
  return n;
}

// The JSON the page's script reads, parsed back as the browser would.
json embedded_data(const std::string& html) {
  const std::string open = R"(<script type="application/json" id="radloop-runs">)";
  const auto start = html.find(open);
  EXPECT_NE(start, std::string::npos);
  const auto end = html.find("</script>", start);
  return json::parse(html.substr(start + open.size(), end - start - open.size()));
}

TEST(HtmlReport, HostileTextStaysTextInMarkupAndInTheEmbeddedData) {
  auto run = sample_run(kHostile, false, kHostile);
  run["description"] = kHostile;
  run["teaches"]["fix"] = kHostile;
  run["checks"][1]["name"] = kHostile;
  const auto html = html_report({run}, kHostile);

  // Two script elements (the data and report.js), each closed once: nothing the run said opened one.
  EXPECT_EQ(count(html, "<script"), 2u) << html;
  EXPECT_EQ(count(html, "</script>"), 2u);
  EXPECT_EQ(html.find("<script>alert"), std::string::npos);
  const std::string escaped = "&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt; &amp;&lt;&gt;&quot;&#39;";
  EXPECT_NE(html.find("<title>" + escaped + "</title>"), std::string::npos);
  EXPECT_NE(html.find("<p class=\"description\">" + escaped + "</p>"), std::string::npos);
  EXPECT_NE(html.find("<dd class=\"teaches-fix\">" + escaped + "</dd>"), std::string::npos);
  EXPECT_NE(html.find("<span class=\"check-name\">" + escaped + "</span>"), std::string::npos);
  EXPECT_NE(html.find("data-scenario=\"" + escaped + "\""), std::string::npos);

  // The data round-trips exactly, whatever it holds.
  const auto data = embedded_data(html);
  ASSERT_EQ(data.size(), 1u);
  EXPECT_EQ(data[0]["scenario"], kHostile);
  EXPECT_EQ(data[0]["events"][0]["process"], kHostile);
  EXPECT_EQ(data[0]["events"][0]["label"], kHostile);
}

TEST(HtmlReport, TextThatLooksLikeAPlaceholderIsLeftAlone) {
  auto run = sample_run("p", true);
  run["description"] = "{{js}} {{css}} {{data";
  const auto html = html_report({run}, "{{body}}");
  EXPECT_NE(html.find("<p class=\"description\">{{js}} {{css}} {{data</p>"), std::string::npos);
  EXPECT_NE(html.find("<title>{{body}}</title>"), std::string::npos);
  EXPECT_EQ(count(html, "<script"), 2u);
}

TEST(HtmlReport, BytesThatAreNotUtf8DoNotStopTheReport) {
  auto run = sample_run("bad\xff\xfe", true, "step \xc3");
  run["checks"][0]["evidence"] = {{"raw", "MSH|\x01\xff|"}};
  std::string html;
  ASSERT_NO_THROW(html = html_report({run}, "t"));
  EXPECT_NE(html.find("bad\xEF\xBF\xBD\xEF\xBF\xBD"), std::string::npos);
  EXPECT_EQ(html.find('\x01'), std::string::npos);
  EXPECT_NO_THROW((void)embedded_data(html));
}

TEST(HtmlReport, VerdictsAndChecksGetTheirStyles) {
  const auto html =
      html_report({sample_run("passes", true), sample_run("fails", false), sample_run("unsure", "unknown")}, "suite");
  // The summary: one linked row per run, in order, with its verdict and failed checks.
  const auto pass = html.find(R"(<a href="#run-0">passes</a></td><td><span class="verdict verdict-pass">PASS</span>)");
  const auto fail = html.find(R"(<a href="#run-1">fails</a></td><td><span class="verdict verdict-fail">FAIL</span>)");
  const auto unknown =
      html.find(R"(<a href="#run-2">unsure</a></td><td><span class="verdict verdict-unknown">UNKNOWN</span>)");
  ASSERT_NE(pass, std::string::npos);
  ASSERT_NE(fail, std::string::npos);
  ASSERT_NE(unknown, std::string::npos);
  EXPECT_LT(pass, fail);
  EXPECT_LT(fail, unknown);
  EXPECT_NE(html.find(R"(<td>expectations; <span class="unknown-checks">unknown: no_silent_loss</span></td>)"),
            std::string::npos);
  for (int i = 0; i < 3; ++i) EXPECT_NE(html.find("id=\"run-" + std::to_string(i) + "\""), std::string::npos);
  EXPECT_NE(html.find(R"(<p class="totals">3 scenarios: <span class="verdict-pass">1 passed</span>)"),
            std::string::npos);

  // Each check in its style; a failed or unknown one shows its evidence opened.
  EXPECT_NE(html.find(R"(<li class="check check-failed"><span class="verdict verdict-fail">FAIL</span> )"
                      R"(<span class="check-name">expectations</span>)"),
            std::string::npos);
  EXPECT_NE(html.find(R"(<li class="check check-unknown"><span class="verdict verdict-unknown">UNKNOWN</span> )"
                      R"(<span class="check-name">no_silent_loss</span><details class="evidence" open>)"),
            std::string::npos);
  EXPECT_NE(html.find(R"(<li class="check check-passed"><span class="verdict verdict-pass">PASS</span> )"
                      R"(<span class="check-name">idempotence</span><details class="evidence">)"),
            std::string::npos);
  EXPECT_NE(html.find("&quot;why&quot;: &quot;down&quot;"), std::string::npos) << "the evidence, pretty-printed";
  // The expectations one by one: the step that broke its expectation stands out.
  EXPECT_NE(
      html.find(R"(<li class="item-fail"><span class="verdict verdict-fail">FAIL</span> )"
                R"(<span class="item-name">EHR registers MRN1</span>: <span class="item-observed">ack AA</span>)"),
      std::string::npos);
  EXPECT_NE(html.find(R"(<dd class="teaches-symptom">the symptom seen</dd>)"), std::string::npos);
}

TEST(HtmlReport, TheTeachingIsLeftOutWhenThereIsNone) {
  auto run = sample_run("plain", true);
  run["teaches"] = json::object();
  EXPECT_EQ(html_report({run}, "t").find("class=\"teaches\""), std::string::npos);
}

TEST(HtmlReport, EveryActorGetsALaneAndTheSystemUnderTestOneInTheMiddle) {
  const auto data = timeline_data(sample_run("lanes", false));
  EXPECT_EQ(data["sut"], std::string(kSutLane));
  EXPECT_EQ(data["lanes"], json({"EHR", "RIS", std::string(kSutLane), "CT_SCANNER_1", "harness"}));
  const auto& events = data["events"];
  ASSERT_EQ(events.size(), 8u);
  // Invocations are labelled with the step, completions with their outcome.
  EXPECT_EQ(events[0]["label"], "EHR registers MRN1");
  EXPECT_EQ(events[0]["to"], "sut");
  EXPECT_EQ(events[1]["label"], "ack AA for C1");
  EXPECT_EQ(events[1]["expected"], "ack AR") << "the completion that broke its step's expectation";
  EXPECT_FALSE(events[0].contains("expected"));
  EXPECT_EQ(events[3]["type"], "info");
  EXPECT_EQ(events[3]["label"], "unknown: no reply");
  EXPECT_EQ(events[5]["type"], "fail");
  EXPECT_EQ(events[5]["actor"], "CT_SCANNER_1");
  EXPECT_EQ(events[5]["label"], "status partial, 2 of 5 accepted");
  EXPECT_EQ(events[6]["to"], "self") << "waiting reaches nothing";
  EXPECT_EQ(events[7]["label"], "ok");
  EXPECT_EQ(events[5]["value"]["accepted"], "2") << "the value, for the tooltip";

  // The page carries the same, for report.js to draw.
  const auto embedded = embedded_data(html_report({sample_run("lanes", false)}, "t"));
  EXPECT_EQ(embedded[0]["lanes"], data["lanes"]);
  EXPECT_EQ(embedded[0]["events"], data["events"]);
}

TEST(HtmlReport, AnEmptyRunStillMakesAPage) {
  const auto html = html_report({json::object(), sample_run("x", true)}, "t");
  EXPECT_NE(html.find("id=\"run-0\""), std::string::npos);
  EXPECT_NE(html.find("No checks ran."), std::string::npos);
  EXPECT_EQ(embedded_data(html)[0]["lanes"], json({std::string(kSutLane)}));
}

TEST(HtmlReport, NeedsNothingButItself) {
  const auto html = html_report({sample_run("x", true)}, "t");
  EXPECT_EQ(html.find("<link"), std::string::npos);
  EXPECT_EQ(html.find(" src="), std::string::npos);
  EXPECT_EQ(html.find("{{"), std::string::npos) << "every placeholder filled";
  EXPECT_NE(html.find("<style>"), std::string::npos);
  EXPECT_NE(html.find(".check-failed"), std::string::npos) << "report.css inline";
  EXPECT_NE(html.find("radloop-runs"), std::string::npos) << "report.js inline";
}

TEST(HtmlReport, ARunAgainstABrokenReferenceSaysSo) {
  auto run = sample_run("broken", false);
  run["system"] = {{"kind", "reference"}, {"broken_on_purpose", json::array({"link_on_accession", kHostile})}};
  const auto html = html_report({run}, "t");
  EXPECT_NE(html.find("broken on purpose: link_on_accession, &lt;/script&gt;"), std::string::npos);
  EXPECT_EQ(html_report({sample_run("whole", true)}, "t").find("<p class=\"broken\">"), std::string::npos);
}

}  // namespace
}  // namespace radloop::harness
