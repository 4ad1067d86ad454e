// Performed procedure steps to and from the store's JSON (see the header).
#include "reference/pipeline/performed_steps.hpp"

#include <nlohmann/json.hpp>

#include <string>

#include "reference/pipeline/stored_json.hpp"

namespace radloop::pipeline {

using nlohmann::json;

store::PerformedStepRecord performed_step_record(const dicom::PerformedProcedureStep& s, store::Millis now) {
  json series = json::array();
  for (const auto& one : s.series) {
    json instances = json::array();
    for (const auto& i : one.instances)
      instances.push_back({json_text(i.sop_class_uid), json_text(i.sop_instance_uid)});
    series.push_back({{"uid", json_text(one.series_instance_uid)},
                      {"description", json_text(one.series_description)},
                      {"performing_physician", json_text(one.performing_physician)},
                      {"instances", instances}});
  }
  const json body = {{"patient_id", json_text(s.patient_id)},
                     {"patient_name", json_text(s.patient_name)},
                     {"accession", json_text(s.accession_number)},
                     {"study_uid", json_text(s.study_instance_uid)},
                     {"requested_procedure_id", json_text(s.requested_procedure_id)},
                     {"scheduled_step_id", json_text(s.scheduled_procedure_step_id)},
                     {"performed_step_id", json_text(s.performed_procedure_step_id)},
                     {"modality", json_text(s.modality)},
                     {"station_ae", json_text(s.station_ae_title)},
                     {"start_date", json_text(s.start_date)},
                     {"start_time", json_text(s.start_time)},
                     {"end_date", json_text(s.end_date)},
                     {"end_time", json_text(s.end_time)},
                     {"discontinuation_reason", json_text(s.discontinuation_reason)},
                     {"calling_ae", json_text(s.calling_ae)},
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
  } catch (const std::exception& e) {  // json::exception, or hex that is not
    return bad(std::string("the stored body does not read as a step: ") + e.what());
  }
}

}  // namespace radloop::pipeline
