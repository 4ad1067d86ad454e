// Performed procedure steps to and from the store's JSON (see the header).
#include "reference/pipeline/performed_steps.hpp"

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

#include "reference/hl7/encoding.hpp"

namespace radloop::pipeline {
namespace {

using nlohmann::json;

// MPPS text comes in the modality's character set, not always UTF-8 (ISO_IR 100 names). JSON holds
// UTF-8 only, so other bytes are kept as {"bytes": "<hex>"} and come back exactly.
json text(const std::string& value) {
  if (hl7::is_valid_utf8(value)) return value;
  static constexpr std::string_view kHex = "0123456789abcdef";
  std::string hex;
  for (const char c : value) {
    const auto u = static_cast<unsigned char>(c);
    hex += kHex[u >> 4U];
    hex += kHex[u & 0xFU];
  }
  return json{{"bytes", hex}};
}

std::string text_of(const json& body, const char* key) {
  const auto found = body.find(key);
  if (found == body.end()) return {};
  if (found->is_string()) return found->get<std::string>();
  const auto hex = found->at("bytes").get<std::string>();
  std::string bytes;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
    bytes += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
  return bytes;
}

}  // namespace

store::PerformedStepRecord performed_step_record(const dicom::PerformedProcedureStep& s, store::Millis now) {
  json series = json::array();
  for (const auto& one : s.series) {
    json instances = json::array();
    for (const auto& i : one.instances) instances.push_back({text(i.sop_class_uid), text(i.sop_instance_uid)});
    series.push_back({{"uid", text(one.series_instance_uid)},
                      {"description", text(one.series_description)},
                      {"performing_physician", text(one.performing_physician)},
                      {"instances", instances}});
  }
  const json body = {{"patient_id", text(s.patient_id)},
                     {"patient_name", text(s.patient_name)},
                     {"accession", text(s.accession_number)},
                     {"study_uid", text(s.study_instance_uid)},
                     {"requested_procedure_id", text(s.requested_procedure_id)},
                     {"scheduled_step_id", text(s.scheduled_procedure_step_id)},
                     {"performed_step_id", text(s.performed_procedure_step_id)},
                     {"modality", text(s.modality)},
                     {"station_ae", text(s.station_ae_title)},
                     {"start_date", text(s.start_date)},
                     {"start_time", text(s.start_time)},
                     {"end_date", text(s.end_date)},
                     {"end_time", text(s.end_time)},
                     {"discontinuation_reason", text(s.discontinuation_reason)},
                     {"calling_ae", text(s.calling_ae)},
                     {"series", series}};
  return {s.sop_instance_uid, std::string(dicom::to_string(s.status)), s.accession_number, body.dump(), now};
}

Result<dicom::PerformedProcedureStep> performed_step_from(const store::PerformedStepRecord& record) {
  const auto bad = [&](const std::string& why) {
    return Error{Errc::invalid_input, "performed step " + record.sop_instance_uid, why};
  };
  const auto status = dicom::status_from_string(record.status);
  if (!status) return bad("unknown status \"" + record.status + "\"");
  const auto body = json::parse(record.body, nullptr, false);
  if (body.is_discarded() || !body.is_object()) return bad("the stored body is not a JSON object");
  try {
    dicom::PerformedProcedureStep s;
    s.sop_instance_uid = record.sop_instance_uid;
    s.status = *status;
    s.patient_id = text_of(body, "patient_id");
    s.patient_name = text_of(body, "patient_name");
    s.accession_number = text_of(body, "accession");
    s.study_instance_uid = text_of(body, "study_uid");
    s.requested_procedure_id = text_of(body, "requested_procedure_id");
    s.scheduled_procedure_step_id = text_of(body, "scheduled_step_id");
    s.performed_procedure_step_id = text_of(body, "performed_step_id");
    s.modality = text_of(body, "modality");
    s.station_ae_title = text_of(body, "station_ae");
    s.start_date = text_of(body, "start_date");
    s.start_time = text_of(body, "start_time");
    s.end_date = text_of(body, "end_date");
    s.end_time = text_of(body, "end_time");
    s.discontinuation_reason = text_of(body, "discontinuation_reason");
    s.calling_ae = text_of(body, "calling_ae");
    for (const auto& one : body.value("series", json::array())) {
      dicom::PerformedSeries series;
      series.series_instance_uid = text_of(one, "uid");
      series.series_description = text_of(one, "description");
      series.performing_physician = text_of(one, "performing_physician");
      for (const auto& i : one.value("instances", json::array())) {
        series.instances.push_back({text_of(json{{"v", i.at(0)}}, "v"), text_of(json{{"v", i.at(1)}}, "v")});
      }
      s.series.push_back(std::move(series));
    }
    return s;
  } catch (const json::exception& e) {
    return bad(std::string("the stored body does not read as a step: ") + e.what());
  }
}

}  // namespace radloop::pipeline
