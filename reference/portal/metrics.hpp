// The pipeline's counters in the Prometheus text exposition format (version 0.0.4), as /metrics
// serves them: one counter family per figure, HELP and TYPE lines, labels escaped.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "reference/pipeline/pipeline.hpp"

namespace radloop::portal {

struct Sample {
  std::string name;  // radloop_hl7_messages_total
  std::string help;
  std::string type;  // counter or gauge
  std::vector<std::pair<std::string, std::string>> labels;
  std::uint64_t value = 0;
};

// The samples of a pipeline's stats, plus any extra (orphans, dead letters) the caller has.
std::vector<Sample> pipeline_samples(const pipeline::PipelineStats& stats);

// HELP and TYPE once per family, in the order families first appear; label values escaped
// (backslash, double quote, line feed).
std::string prometheus_text(const std::vector<Sample>& samples);

}  // namespace radloop::portal
