// Patient Root and Study Root C-FIND over the catalog (see the header).
#include "reference/dicom/internal/stored_query.hpp"

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcelem.h>

#include <algorithm>
#include <map>
#include <set>
#include <sstream>

#include "reference/dicom/worklist.hpp"

namespace radloop::dicom::internal {
namespace {

constexpr std::uint16_t kIdentifierDoesNotMatchSopClass = 0xA900;
constexpr std::uint16_t kUnableToProcess = 0xC000;

// One entity at the query level: every attribute the catalog can answer for it.
using Row = std::map<DcmTagKey, std::string>;

void patient_attributes(Row& row, const InstanceRecord& r) {
  row[DCM_PatientID] = r.patient_id;
  row[DCM_IssuerOfPatientID] = r.issuer_of_patient_id;
  row[DCM_PatientName] = r.patient_name;
  row[DCM_PatientBirthDate] = r.patient_birth_date;
  row[DCM_PatientSex] = r.patient_sex;
}

void study_attributes(Row& row, const InstanceRecord& r) {
  patient_attributes(row, r);
  row[DCM_StudyInstanceUID] = r.study_instance_uid;
  row[DCM_StudyDate] = r.study_date;
  row[DCM_StudyTime] = r.study_time;
  row[DCM_AccessionNumber] = r.accession_number;
  row[DCM_StudyID] = r.study_id;
  row[DCM_StudyDescription] = r.study_description;
  row[DCM_ReferringPhysicianName] = r.referring_physician;
}

void series_attributes(Row& row, const InstanceRecord& r) {
  study_attributes(row, r);
  row[DCM_SeriesInstanceUID] = r.series_instance_uid;
  row[DCM_Modality] = r.modality;
  row[DCM_SeriesNumber] = r.series_number;
  row[DCM_SeriesDescription] = r.series_description;
}

void image_attributes(Row& row, const InstanceRecord& r) {
  series_attributes(row, r);
  row[DCM_SOPInstanceUID] = r.sop_instance_uid;
  row[DCM_SOPClassUID] = r.sop_class_uid;
  row[DCM_InstanceNumber] = r.instance_number;
}

std::string join(const std::set<std::string>& values) {
  std::string joined;
  for (const auto& v : values) {
    if (v.empty()) continue;
    if (!joined.empty()) joined += '\\';
    joined += v;
  }
  return joined;
}

// Groups the records (ordered by study, series, instance) into the entities of one level, each
// with the counts of what lies beneath it.
std::vector<Row> rows_at(const std::string& level, const std::vector<InstanceRecord>& records) {
  struct Group {
    Row row;
    std::set<std::string> studies, series, modalities, classes;
    std::size_t instances = 0;
  };
  std::map<std::string, Group> groups;
  std::vector<std::string> order;  // first appearance, so replies follow the catalog's order
  for (const auto& r : records) {
    std::string key = r.sop_instance_uid;
    if (level == "PATIENT") key = r.patient_id + '\x1f' + r.issuer_of_patient_id;
    if (level == "STUDY") key = r.study_instance_uid;
    if (level == "SERIES") key = r.series_instance_uid;
    auto [it, fresh] = groups.try_emplace(key);
    Group& g = it->second;
    if (fresh) {
      order.push_back(key);
      if (level == "PATIENT") patient_attributes(g.row, r);
      if (level == "STUDY") study_attributes(g.row, r);
      if (level == "SERIES") series_attributes(g.row, r);
      if (level == "IMAGE") image_attributes(g.row, r);
    }
    g.studies.insert(r.study_instance_uid);
    g.series.insert(r.series_instance_uid);
    g.modalities.insert(r.modality);
    g.classes.insert(r.sop_class_uid);
    ++g.instances;
  }
  std::vector<Row> rows;
  rows.reserve(order.size());
  for (const auto& key : order) {
    Group& g = groups[key];
    if (level == "PATIENT") {
      g.row[DCM_NumberOfPatientRelatedStudies] = std::to_string(g.studies.size());
      g.row[DCM_NumberOfPatientRelatedSeries] = std::to_string(g.series.size());
      g.row[DCM_NumberOfPatientRelatedInstances] = std::to_string(g.instances);
    }
    if (level == "STUDY") {
      g.row[DCM_ModalitiesInStudy] = join(g.modalities);
      g.row[DCM_SOPClassesInStudy] = join(g.classes);
      g.row[DCM_NumberOfStudyRelatedSeries] = std::to_string(g.series.size());
      g.row[DCM_NumberOfStudyRelatedInstances] = std::to_string(g.instances);
    }
    if (level == "SERIES") g.row[DCM_NumberOfSeriesRelatedInstances] = std::to_string(g.instances);
    rows.push_back(std::move(g.row));
  }
  return rows;
}

std::vector<std::string> split_values(const std::string& value) {
  std::vector<std::string> parts;
  std::stringstream stream(value);
  for (std::string part; std::getline(stream, part, '\\');) parts.push_back(part);
  return parts;
}

// One matching key against one value, by the key's VR (PS3.4 C.2.2.2).
bool key_matches(DcmEVR vr, const DcmTagKey& tag, const std::string& key, const std::string& value) {
  if (key.empty()) return true;
  if (vr == EVR_UI) {  // list of UIDs
    const auto uids = split_values(key);
    return std::find(uids.begin(), uids.end(), value) != uids.end();
  }
  if (vr == EVR_DA || vr == EVR_TM || vr == EVR_DT) return range_match(key, value);
  if (tag == DCM_ModalitiesInStudy || tag == DCM_SOPClassesInStudy) {  // any of the study's values
    const auto wanted = split_values(key);
    const auto have = split_values(value);
    return std::any_of(wanted.begin(), wanted.end(), [&](const std::string& w) {
      return std::any_of(have.begin(), have.end(), [&](const std::string& h) { return wildcard_match(w, h); });
    });
  }
  return wildcard_match(key, value);
}

struct Key {
  DcmTagKey tag;
  DcmEVR vr;
  std::string value;
};

// The query with every key filled from the entity (empty where the catalog has nothing), declared
// ISO_IR 192 when a value is not ASCII.
std::unique_ptr<DcmDataset> reply_for(const DcmDataset& query, const Row& row) {
  auto reply = std::make_unique<DcmDataset>(query);
  delete reply->remove(DCM_SpecificCharacterSet);  // NOLINT(cppcoreguidelines-owning-memory): owned here
  bool non_ascii = false;
  for (unsigned long i = 0; i < reply->card(); ++i) {
    DcmElement* element = reply->getElement(i);
    const DcmTagKey tag = element->getTag().getXTag();
    if (tag == DCM_QueryRetrieveLevel) continue;
    const auto found = row.find(tag);
    if (found == row.end()) {
      element->clear();
      continue;
    }
    element->putString(found->second.c_str());
    non_ascii = non_ascii || std::any_of(found->second.begin(), found->second.end(),
                                         [](char c) { return static_cast<unsigned char>(c) >= 0x80; });
  }
  if (non_ascii) reply->putAndInsertString(DCM_SpecificCharacterSet, "ISO_IR 192");
  return reply;
}

}  // namespace

StoredQueryAnswer answer_stored_query(const DcmDataset& identifier, InformationModel model,
                                      const std::vector<InstanceRecord>& records, const std::string& retrieve_ae) {
  StoredQueryAnswer answer;
  DcmDataset query(identifier);
  const auto fail = [&](std::uint16_t status, std::string why) {
    answer.status = status;
    answer.error = std::move(why);
    return std::move(answer);
  };
  OFString text;
  query.findAndGetOFString(DCM_SpecificCharacterSet, text);
  if (!text.empty() && text != "ISO_IR 6" && text != "ISO_IR 192") {
    return fail(kUnableToProcess,
                "Specific Character Set \"" + std::string(text) + "\" is not supported (ISO_IR 6 or ISO_IR 192)");
  }
  text.clear();
  query.findAndGetOFString(DCM_QueryRetrieveLevel, text);
  answer.level = text;
  const bool known = answer.level == "STUDY" || answer.level == "SERIES" || answer.level == "IMAGE" ||
                     (answer.level == "PATIENT" && model == InformationModel::patient_root);
  if (!known) {
    return fail(kIdentifierDoesNotMatchSopClass,
                "Query/Retrieve Level (0008,0052) \"" + answer.level + "\" is not one this information model has");
  }

  std::vector<Key> keys;
  for (unsigned long i = 0; i < query.card(); ++i) {
    DcmElement* element = query.getElement(i);
    const DcmTagKey tag = element->getTag().getXTag();
    if (tag == DCM_QueryRetrieveLevel || tag == DCM_SpecificCharacterSet || tag.getElement() == 0x0000) continue;
    if (element->ident() == EVR_SQ) continue;  // sequence matching is not offered; returned empty
    OFString value;
    element->getOFStringArray(value);
    const DcmEVR vr = element->ident();
    const std::string name = DcmTag(tag).getTagName();
    if ((vr == EVR_DA || vr == EVR_TM) && !value.empty()) {
      if (auto why = malformed_range(name, value.c_str())) {
        return fail(kIdentifierDoesNotMatchSopClass, *why);
      }
    }
    if (!value.empty()) {
      if (!answer.keys.empty()) answer.keys += ", ";
      answer.keys += name + "=" + value;
    }
    keys.push_back(Key{tag, vr, value});
  }

  // What next() needs outlives this call; the catalog's records are summed up into rows now (the
  // counts need every record), the replies are built one per call.
  struct Pending {
    DcmDataset query;
    std::vector<Key> keys;
    std::vector<Row> rows;
    std::size_t row = 0;
    std::string retrieve_ae;
  };
  auto pending = std::make_shared<Pending>();  // DcmDataset has no move: filled in place, copied once
  pending->query = identifier;
  pending->keys = std::move(keys);
  pending->rows = rows_at(answer.level, records);
  pending->retrieve_ae = retrieve_ae;
  answer.next = [pending]() -> std::unique_ptr<DcmDataset> {
    auto& p = *pending;
    while (p.row < p.rows.size()) {
      auto& row = p.rows[p.row++];
      row[DCM_RetrieveAETitle] = p.retrieve_ae;
      const bool match = std::all_of(p.keys.begin(), p.keys.end(), [&](const Key& k) {
        const auto found = row.find(k.tag);
        return found == row.end() || key_matches(k.vr, k.tag, k.value, found->second);
      });
      if (match) {
        auto reply = reply_for(p.query, row);
        Row().swap(row);  // answered: its memory goes now, not with the query's end
        return reply;
      }
      Row().swap(row);
    }
    return nullptr;
  };
  return answer;
}

}  // namespace radloop::dicom::internal
