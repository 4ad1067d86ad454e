// Owed commitment reports to and from the store's JSON (see the header).
#include "reference/pipeline/commitment_reports.hpp"

#include <nlohmann/json.hpp>

#include "reference/pipeline/stored_json.hpp"

namespace radloop::pipeline {

using nlohmann::json;

store::CommitmentReportRecord commitment_report_record(const dicom::OwedReport& owed) {
  json committed = json::array();
  for (const auto& ref : owed.report.committed) {
    committed.push_back({json_text(ref.sop_class_uid), json_text(ref.sop_instance_uid)});
  }
  json failed = json::array();
  for (const auto& f : owed.report.failed) {
    failed.push_back({json_text(f.instance.sop_class_uid), json_text(f.instance.sop_instance_uid), f.reason});
  }
  const json body = {
      {"transaction_uid", json_text(owed.report.transaction_uid)}, {"committed", committed}, {"failed", failed}};
  store::CommitmentReportRecord record;
  record.id = owed.id;
  record.transaction_uid = owed.report.transaction_uid;
  record.peer_ae = owed.peer.ae_title;
  record.peer_host = owed.peer.host;
  record.peer_port = owed.peer.port;
  record.body = body.dump();
  record.owed_since = owed.owed_since_ms;
  return record;
}

Result<dicom::OwedReport> owed_report_from(const store::CommitmentReportRecord& record) {
  const auto bad = [&](const std::string& why) {
    return Error{Errc::invalid_input, "storage commitment report #" + std::to_string(record.id), why};
  };
  if (record.peer_port <= 0 || record.peer_port > 65535) return bad("its port is not 1..65535");
  const auto body = json::parse(record.body, nullptr, false);
  if (body.is_discarded() || !body.is_object()) return bad("the stored body is not a JSON object");
  const auto reference = [](const json& pair) {
    return dicom::SopReference{text_of(json{{"v", pair.at(0)}}, "v"), text_of(json{{"v", pair.at(1)}}, "v")};
  };
  try {
    dicom::OwedReport owed;
    owed.id = record.id;
    owed.peer = {record.peer_ae, record.peer_host, static_cast<std::uint16_t>(record.peer_port)};
    owed.owed_since_ms = record.owed_since;
    owed.report.transaction_uid = text_of(body, "transaction_uid");
    for (const auto& one : body.value("committed", json::array())) owed.report.committed.push_back(reference(one));
    for (const auto& one : body.value("failed", json::array())) {
      owed.report.failed.push_back({reference(one), one.at(2).get<std::uint16_t>()});
    }
    return owed;
  } catch (const std::exception& e) {  // json::exception, or hex that is not
    return bad(std::string("the stored body does not read as a report: ") + e.what());
  }
}

}  // namespace radloop::pipeline
