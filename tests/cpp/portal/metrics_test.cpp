// The /metrics text: one HELP and TYPE per family, a line per sample, labels escaped.
#include "reference/portal/metrics.hpp"

#include <gtest/gtest.h>

namespace radloop::portal {
namespace {

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

TEST(Metrics, WritesEachFamilyOnceWithItsSamples) {
  pipeline::PipelineStats stats;
  stats.hl7_accepted = 12;
  stats.hl7_rejected = 1;
  stats.dicom.instances_stored = 300;
  stats.dicom.conflicts = 2;
  stats.raw_pruned_by_size = 5;
  stats.raw_retained_bytes = 1024;
  const auto text = prometheus_text(pipeline_samples(stats));
  EXPECT_EQ(count(text, "# TYPE radloop_hl7_messages_total counter\n"), 1U);
  EXPECT_EQ(count(text, "# HELP radloop_hl7_messages_total "), 1U);
  EXPECT_NE(text.find("radloop_hl7_messages_total{outcome=\"accepted\"} 12\n"), std::string::npos) << text;
  EXPECT_NE(text.find("radloop_hl7_messages_total{outcome=\"rejected\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("radloop_dicom_instances_total{outcome=\"stored\"} 300\n"), std::string::npos);
  EXPECT_NE(text.find("radloop_dicom_instances_total{outcome=\"conflict\"} 2\n"), std::string::npos);
  EXPECT_NE(text.find("radloop_mllp_connections_total 0\n"), std::string::npos);
  EXPECT_NE(text.find("radloop_inbound_raw_pruned_total{reason=\"size\"} 5\n"), std::string::npos);
  EXPECT_NE(text.find("radloop_inbound_raw_pruned_total{reason=\"age\"} 0\n"), std::string::npos);
  EXPECT_EQ(count(text, "# TYPE radloop_inbound_raw_retained_bytes gauge\n"), 1U);
  EXPECT_NE(text.find("radloop_inbound_raw_retained_bytes 1024\n"), std::string::npos);
  // Every line is a comment or "name[{labels}] value".
  std::size_t lines = 0;
  for (std::size_t at = 0; at < text.size();) {
    const auto end = text.find('\n', at);
    ASSERT_NE(end, std::string::npos);
    const auto line = text.substr(at, end - at);
    EXPECT_TRUE(line.starts_with("# ") || line.starts_with("radloop_")) << line;
    at = end + 1;
    ++lines;
  }
  EXPECT_GT(lines, 20U);
}

TEST(Metrics, EscapesLabelValues) {
  const auto text = prometheus_text({{"radloop_x_total", "x", "counter", {{"peer", "a\"b\\c\nd"}}, 1}});
  EXPECT_NE(text.find("radloop_x_total{peer=\"a\\\"b\\\\c\\nd\"} 1\n"), std::string::npos) << text;
}

}  // namespace
}  // namespace radloop::portal
