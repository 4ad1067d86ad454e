// A report record as JSON and back: how the store keeps a report version. Attachments are
// base64 so that any bytes survive; text is UTF-8 (invalid bytes are replaced when written).
#pragma once

#include <nlohmann/json.hpp>

#include <string>

#include "reference/core/result.hpp"
#include "reference/report/report.hpp"

namespace radloop::report {

nlohmann::json to_json(const Report& report);
Result<Report> report_from_json(const nlohmann::json& json);
// Text for the store.
std::string dump(const Report& report);
Result<Report> parse_report(const std::string& text);

}  // namespace radloop::report
