// Text in the JSON bodies the pipeline keeps in the store. DICOM text comes in the peer's
// character set (ISO_IR 100 names, or bytes a hostile peer chose), not always UTF-8, and JSON holds
// UTF-8 only: other bytes are kept as {"bytes": "<hex>"} and come back exactly.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

namespace radloop::pipeline {

nlohmann::json json_text(const std::string& value);
// The text under `key` as json_text wrote it; empty when absent. Throws (json::exception, or
// std::invalid_argument for hex that is not) when it is neither form.
std::string text_of(const nlohmann::json& body, const char* key);

}  // namespace radloop::pipeline
