// Reading worklist C-FIND identifiers and writing their replies with DCMTK.
#include "reference/dicom/internal/worklist_identifier.hpp"

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcsequen.h>

#include <algorithm>
#include <utility>
#include <vector>

#include "reference/dicom/internal/item_access.hpp"

namespace radloop::dicom::internal {
namespace {

constexpr std::uint16_t kIdentifierDoesNotMatchSopClass = 0xA900;
constexpr std::uint16_t kUnableToProcess = 0xC000;

using Fields = std::vector<std::pair<DcmTagKey, const std::string*>>;

Fields order_fields(const WorklistItem& o) {
  return {{DCM_PatientID, &o.patient_id},
          {DCM_IssuerOfPatientID, &o.issuer_of_patient_id},
          {DCM_PatientName, &o.patient_name},
          {DCM_PatientBirthDate, &o.patient_birth_date},
          {DCM_PatientSex, &o.patient_sex},
          {DCM_AccessionNumber, &o.accession_number},
          {DCM_RequestedProcedureID, &o.requested_procedure_id},
          {DCM_RequestedProcedureDescription, &o.requested_procedure_description},
          {DCM_StudyInstanceUID, &o.study_instance_uid},
          {DCM_ReferringPhysicianName, &o.referring_physician}};
}

Fields step_fields(const ScheduledStep& s) {
  return {{DCM_ScheduledStationAETitle, &s.station_ae_title},
          {DCM_Modality, &s.modality},
          {DCM_ScheduledProcedureStepStartDate, &s.start_date},
          {DCM_ScheduledProcedureStepStartTime, &s.start_time},
          {DCM_ScheduledProcedureStepID, &s.step_id},
          {DCM_ScheduledProcedureStepDescription, &s.description},
          {DCM_ScheduledPerformingPhysicianName, &s.performing_physician},
          {DCM_ScheduledStationName, &s.station_name},
          {DCM_ScheduledProcedureStepLocation, &s.location}};
}

Fields code_fields(const ProcedureCode& c) {
  return {{DCM_CodeValue, &c.value}, {DCM_CodingSchemeDesignator, &c.scheme}, {DCM_CodeMeaning, &c.meaning}};
}

bool is_ascii(const std::string& value) {
  return std::all_of(value.begin(), value.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

// The sequences a worklist reply fills; any other sequence asked for is returned empty.
const std::vector<std::pair<DcmTagKey, Fields (*)(const WorklistItem&)>>& filled_sequences() {
  static const std::vector<std::pair<DcmTagKey, Fields (*)(const WorklistItem&)>> sequences{
      {DCM_ScheduledProcedureStepSequence, [](const WorklistItem& o) { return step_fields(o.step); }},
      {DCM_RequestedProcedureCodeSequence,
       [](const WorklistItem& o) { return code_fields(o.requested_procedure_code); }}};
  return sequences;
}

class ReplyWriter {
 public:
  explicit ReplyWriter(const WorklistItem& order) : order_(order) {}
  [[nodiscard]] bool non_ascii() const { return non_ascii_; }

  // Fills the keys present in `item` from `fields`; nested sequences are handled by `top`.
  void fill(DcmItem& item, const Fields& fields, bool top) {
    for (unsigned long i = 0; i < item.card(); ++i) {
      DcmElement* element = item.getElement(i);
      const DcmTagKey key = element->getTag().getXTag();
      if (key.getElement() == 0x0000) continue;  // group length, recomputed on writing
      if (element->ident() == EVR_SQ) {
        fill_sequence(*static_cast<DcmSequenceOfItems*>(element), key, top);  // NOLINT: ident() says SQ
        continue;
      }
      const auto found = std::find_if(fields.begin(), fields.end(), [&](const auto& f) { return f.first == key; });
      if (found == fields.end()) {
        element->clear();
      } else {
        element->putString(found->second->c_str());
        non_ascii_ = non_ascii_ || !is_ascii(*found->second);
      }
    }
  }

 private:
  // An empty sequence in the identifier asks for the whole item (PS3.4 C.2.2.2.6).
  void fill_sequence(DcmSequenceOfItems& sequence, const DcmTagKey& key, bool top) {
    const auto& known = filled_sequences();
    const auto found = std::find_if(known.begin(), known.end(), [&](const auto& s) { return s.first == key; });
    if (!top || found == known.end()) {
      sequence.clear();
      return;
    }
    const Fields fields = found->second(order_);
    if (sequence.card() == 0) {
      auto* item = new DcmItem;  // NOLINT(cppcoreguidelines-owning-memory): the sequence takes it
      for (const auto& [tag, value] : fields) item->putAndInsertString(tag, value->c_str());
      sequence.insert(item);
    }
    while (sequence.card() > 1) delete sequence.remove(sequence.card() - 1);  // NOLINT: owned here
    fill(*sequence.getItem(0), fields, false);
  }

  const WorklistItem& order_;
  bool non_ascii_ = false;
};

void note_key(std::string& keys, const DcmTagKey& tag, const std::string& value) {
  if (value.empty()) return;
  if (!keys.empty()) keys += ", ";
  keys += DcmTag(tag).getTagName();
  keys += "=" + value;
}

}  // namespace

ParsedWorklistQuery parse_worklist_query(DcmDataset& identifier) {
  ParsedWorklistQuery parsed;
  // Queries come in ASCII (no Specific Character Set, or ISO_IR 6) or UTF-8 (ISO_IR 192); the
  // orders are UTF-8, so any other repertoire could not be compared byte for byte.
  const std::string charset = text_of(identifier, DCM_SpecificCharacterSet);
  if (!charset.empty() && charset != "ISO_IR 6" && charset != "ISO_IR 192") {
    parsed.status = kUnableToProcess;
    parsed.error = "Specific Character Set \"" + charset + "\" is not supported (ISO_IR 6 or ISO_IR 192)";
    return parsed;
  }
  auto& q = parsed.query;
  const std::pair<DcmTagKey, std::string*> top[] = {{DCM_PatientID, &q.patient_id},
                                                    {DCM_IssuerOfPatientID, &q.issuer_of_patient_id},
                                                    {DCM_PatientName, &q.patient_name},
                                                    {DCM_AccessionNumber, &q.accession_number},
                                                    {DCM_RequestedProcedureID, &q.requested_procedure_id}};
  for (const auto& [tag, value] : top) {
    *value = text_of(identifier, tag);
    note_key(parsed.keys, tag, *value);
  }
  DcmElement* element = nullptr;
  if (identifier.findAndGetElement(DCM_ScheduledProcedureStepSequence, element).good()) {
    if (element->ident() != EVR_SQ) {
      parsed.status = kIdentifierDoesNotMatchSopClass;
      parsed.error = "ScheduledProcedureStepSequence is not a sequence";
      return parsed;
    }
    auto* sequence = static_cast<DcmSequenceOfItems*>(element);  // NOLINT: ident() says SQ
    if (sequence->card() > 1) {
      parsed.status = kIdentifierDoesNotMatchSopClass;
      parsed.error = "ScheduledProcedureStepSequence holds " + std::to_string(sequence->card()) + " items, not one";
      return parsed;
    }
    if (sequence->card() == 1) {
      DcmItem& step = *sequence->getItem(0);
      const std::pair<DcmTagKey, std::string*> keys[] = {{DCM_Modality, &q.modality},
                                                         {DCM_ScheduledStationAETitle, &q.station_ae_title},
                                                         {DCM_ScheduledProcedureStepStartDate, &q.start_date},
                                                         {DCM_ScheduledProcedureStepStartTime, &q.start_time}};
      for (const auto& [tag, value] : keys) {
        *value = text_of(step, tag);
        note_key(parsed.keys, tag, *value);
      }
    }
  }
  if (auto why = malformed(q)) {
    parsed.status = kIdentifierDoesNotMatchSopClass;
    parsed.error = *why;
  }
  return parsed;
}

std::unique_ptr<DcmDataset> worklist_reply(const DcmDataset& identifier, const WorklistItem& order) {
  auto reply = std::make_unique<DcmDataset>(identifier);
  const bool charset_asked = reply->tagExists(DCM_SpecificCharacterSet);
  delete reply->remove(DCM_SpecificCharacterSet);  // NOLINT(cppcoreguidelines-owning-memory): owned here
  ReplyWriter writer(order);
  writer.fill(*reply, order_fields(order), true);
  if (writer.non_ascii()) {
    reply->putAndInsertString(DCM_SpecificCharacterSet, "ISO_IR 192");
  } else if (charset_asked) {
    reply->putAndInsertString(DCM_SpecificCharacterSet, "");
  }
  return reply;
}

}  // namespace radloop::dicom::internal
