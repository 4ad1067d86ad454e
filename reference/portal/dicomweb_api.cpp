// DICOMweb over the pipeline's index: QIDO-RS search (studies, series, instances) in DICOM JSON,
// WADO-RS retrieve of stored instances, and STOW-RS, which stores through the C-STORE path.
#include <nlohmann/json.hpp>

#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "reference/portal/api.hpp"
#include "reference/portal/multipart.hpp"

namespace radloop::portal {
namespace {

using json = nlohmann::json;
constexpr const char* kDicomJson = "application/dicom+json";

// One attribute in the DICOM JSON model (PS3.18 F.2); empty values are left out.
void put(json& object, const char* tag, const char* vr, const std::string& value) {
  if (value.empty()) return;
  json element{{"vr", vr}};
  if (std::string_view(vr) == "PN") {
    element["Value"] = json::array({{{"Alphabetic", value}}});
  } else if (std::string_view(vr) == "IS") {
    try {
      element["Value"] = json::array({std::stol(value)});
    } catch (const std::exception&) {
      return;
    }
  } else {
    element["Value"] = json::array({value});
  }
  object[tag] = element;
}

HttpResponse dicom_json(const json& body) {
  auto r = json_response(200, dump(body));
  r.content_type = kDicomJson;
  return r;
}

// A query key by keyword or by tag ("PatientID" or "00100020").
std::string key(const HttpRequest& request, const char* keyword, const char* tag) {
  auto value = query_value(request, keyword);
  return value.empty() ? query_value(request, tag) : value;
}

// "A-B", "A-", "-B" or "A" (DA): the inclusive bounds.
std::pair<std::string, std::string> date_range(const std::string& value) {
  const auto dash = value.find('-');
  if (dash == std::string::npos) return {value, value};
  return {value.substr(0, dash), value.substr(dash + 1)};
}

json study_attributes(const store::StudyRecord& s, const std::vector<dicom::InstanceRecord>& instances) {
  json o = json::object();
  std::set<std::string> series;
  std::set<std::string> modalities;
  for (const auto& i : instances) {
    series.insert(i.series_instance_uid);
    if (!i.modality.empty()) modalities.insert(i.modality);
  }
  const dicom::InstanceRecord first = instances.empty() ? dicom::InstanceRecord{} : instances.front();
  put(o, "00080020", "DA", s.study_date);
  put(o, "00080030", "TM", s.study_time);
  put(o, "00080050", "SH", s.accession);
  if (!modalities.empty())
    o["00080061"] = {{"vr", "CS"}, {"Value", std::vector<std::string>(modalities.begin(), modalities.end())}};
  put(o, "00080090", "PN", first.referring_physician);
  put(o, "00081030", "LO", s.description);
  put(o, "00100010", "PN", s.patient_name);
  put(o, "00100020", "LO", s.patient_mrn);
  put(o, "00100021", "LO", s.patient_issuer);
  put(o, "00100030", "DA", first.patient_birth_date);
  put(o, "00100040", "CS", first.patient_sex);
  put(o, "0020000D", "UI", s.study_uid);
  put(o, "00200010", "SH", first.study_id);
  put(o, "00201206", "IS", std::to_string(series.size()));
  put(o, "00201208", "IS", std::to_string(instances.size()));
  put(o, "00081190", "UR", "/dicomweb/studies/" + s.study_uid);
  return o;
}

json series_attributes(const std::vector<dicom::InstanceRecord>& instances) {
  const auto& first = instances.front();
  json o = json::object();
  put(o, "00080060", "CS", first.modality);
  put(o, "0008103E", "LO", first.series_description);
  put(o, "0020000D", "UI", first.study_instance_uid);
  put(o, "0020000E", "UI", first.series_instance_uid);
  put(o, "00200011", "IS", first.series_number);
  put(o, "00201209", "IS", std::to_string(instances.size()));
  put(o, "00081190", "UR", "/dicomweb/studies/" + first.study_instance_uid + "/series/" + first.series_instance_uid);
  return o;
}

json instance_attributes(const dicom::InstanceRecord& i) {
  json o = json::object();
  put(o, "00080016", "UI", i.sop_class_uid);
  put(o, "00080018", "UI", i.sop_instance_uid);
  put(o, "0020000D", "UI", i.study_instance_uid);
  put(o, "0020000E", "UI", i.series_instance_uid);
  put(o, "00200013", "IS", i.instance_number);
  put(o, "00083002", "UI", i.transfer_syntax_uid);
  put(o, "00081190", "UR",
      "/dicomweb/studies/" + i.study_instance_uid + "/series/" + i.series_instance_uid + "/instances/" +
          i.sop_instance_uid);
  return o;
}

Result<std::vector<dicom::InstanceRecord>> instances_of(pipeline::Pipeline& p, const std::string& study,
                                                        const std::string& series, const std::string& sop) {
  return p.store().read_value<std::vector<dicom::InstanceRecord>>(
      [&](store::Tx& tx) { return tx.instances(study, series, sop); });
}

HttpResponse retrieve(pipeline::Pipeline& p, const std::string& study, const std::string& series,
                      const std::string& sop) {
  auto found = instances_of(p, study, series, sop);
  if (!found) return error_response(found.error());
  if (found->empty()) return error_response(Error{Errc::not_found, "/dicomweb/studies/" + study, "no such instances"});
  // Sent from the files as they are read: a study of any size takes one chunk of memory. The
  // boundary is random, so no file can contain it by chance.
  const auto boundary = random_boundary();
  HttpResponse r;
  r.content_type = multipart_related_content_type(boundary);
  for (const auto& i : *found) {
    std::string opening = r.pieces.empty() ? std::string() : std::string("\r\n");
    opening +=
        part_opening({{"Content-Type", "application/dicom; transfer-syntax=" + i.transfer_syntax_uid}}, boundary);
    r.pieces.push_back({std::move(opening), ""});
    r.pieces.push_back({"", i.file_path});
  }
  r.pieces.push_back({"\r\n" + closing_delimiter(boundary), ""});
  return r;
}

HttpResponse store(pipeline::Pipeline& p, const HttpRequest& request) {
  const auto type = request.headers.contains("content-type") ? request.headers.at("content-type") : std::string();
  auto parts = parse_multipart(type, request.body_bytes());
  if (!parts) return error_response(parts.error());
  json stored = json::array();
  json failed = json::array();
  for (const auto& part : *parts) {
    const auto outcome = p.store_instance(part.body, "STOW-RS");
    json reference = json::object();
    put(reference, "00081150", "UI", outcome.sop_class_uid);
    put(reference, "00081155", "UI", outcome.sop_instance_uid);
    if (outcome.status == 0x0000 || outcome.status == 0xB000) {
      put(reference, "00081190", "UR", "/dicomweb/studies");
      stored.push_back(reference);
    } else {
      reference["00081197"] = {{"vr", "US"}, {"Value", json::array({outcome.status})}};  // Failure Reason
      failed.push_back(reference);
    }
  }
  json body = json::object();
  if (!stored.empty()) body["00081199"] = {{"vr", "SQ"}, {"Value", stored}};
  if (!failed.empty()) body["00081198"] = {{"vr", "SQ"}, {"Value", failed}};
  auto r = json_response(failed.empty() ? 200 : stored.empty() ? 409 : 202, dump(body));
  r.content_type = kDicomJson;
  return r;
}

}  // namespace

void add_dicomweb_routes(Router& router, pipeline::Pipeline& p) {
  router.add("GET", "/dicomweb/studies", [&p](const HttpRequest& request, const PathParams&) {
    store::StudyFilter f;
    f.patient_mrn = key(request, "PatientID", "00100020");
    f.accession = key(request, "AccessionNumber", "00080050");
    f.study_uid = key(request, "StudyInstanceUID", "0020000D");
    std::tie(f.date_from, f.date_to) = date_range(key(request, "StudyDate", "00080020"));
    const auto limit = query_value(request, "limit");
    f.limit = limit.empty() ? 1000 : std::clamp(std::atoi(limit.c_str()), 1, 10000);
    auto out = p.store().read_value<json>([&](store::Tx& tx) -> Result<json> {
      auto studies = tx.studies(f);
      if (!studies) return studies.error();
      json list = json::array();
      for (const auto& s : *studies) {
        auto instances = tx.instances(s.study_uid, "", "");
        if (!instances) return instances.error();
        list.push_back(study_attributes(s, *instances));
      }
      return list;
    });
    if (!out) return error_response(out.error());
    return dicom_json(*out);
  });

  router.add("GET", "/dicomweb/studies/{study}/series", [&p](const HttpRequest&, const PathParams& params) {
    auto found = instances_of(p, params.at("study"), "", "");
    if (!found) return error_response(found.error());
    std::map<std::string, std::vector<dicom::InstanceRecord>> by_series;
    for (auto& i : *found) by_series[i.series_instance_uid].push_back(std::move(i));
    json list = json::array();
    for (const auto& [uid, instances] : by_series) list.push_back(series_attributes(instances));
    return dicom_json(list);
  });

  const auto list_instances = [&p](const HttpRequest&, const PathParams& params) {
    const auto series = params.contains("series") ? params.at("series") : std::string();
    auto found = instances_of(p, params.at("study"), series, "");
    if (!found) return error_response(found.error());
    json list = json::array();
    for (const auto& i : *found) list.push_back(instance_attributes(i));
    return dicom_json(list);
  };
  router.add("GET", "/dicomweb/studies/{study}/instances", list_instances);
  router.add("GET", "/dicomweb/studies/{study}/series/{series}/instances", list_instances);

  router.add("GET", "/dicomweb/studies/{study}",
             [&p](const HttpRequest&, const PathParams& params) { return retrieve(p, params.at("study"), "", ""); });
  router.add("GET", "/dicomweb/studies/{study}/series/{series}", [&p](const HttpRequest&, const PathParams& params) {
    return retrieve(p, params.at("study"), params.at("series"), "");
  });
  router.add("GET", "/dicomweb/studies/{study}/series/{series}/instances/{instance}",
             [&p](const HttpRequest&, const PathParams& params) {
               return retrieve(p, params.at("study"), params.at("series"), params.at("instance"));
             });

  router.add("POST", "/dicomweb/studies",
             [&p](const HttpRequest& request, const PathParams&) { return store(p, request); });
}

}  // namespace radloop::portal
