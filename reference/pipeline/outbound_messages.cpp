// Building the pipeline's outbound HL7 (see outbound_messages.hpp).
#include "reference/pipeline/outbound_messages.hpp"

#include "reference/core/base64.hpp"
#include "reference/hl7/message.hpp"
#include "reference/hl7/parser.hpp"

namespace radloop::pipeline {
namespace {

// Paths here are literals and values are UTF-8 under MSH-18 UNICODE UTF-8: a failure would be
// a programming error, and the value is then simply left out.
void put(hl7::Message& m, const std::string& path, std::string_view value) {
  if (!value.empty()) (void)m.set(path, value);
}

void put_header(hl7::Message& m, const Stamp& stamp, std::string_view type) {
  put(m, "MSH-3", stamp.sending_application);
  put(m, "MSH-4", stamp.sending_facility);
  put(m, "MSH-5", stamp.receiving_application);
  put(m, "MSH-6", stamp.receiving_facility);
  put(m, "MSH-7", stamp.timestamp);
  (void)m.set_raw("MSH-9", type);
  put(m, "MSH-10", stamp.control_id);
  put(m, "MSH-11", "P");
  put(m, "MSH-12", "2.5.1");
  put(m, "MSH-18", "UNICODE UTF-8");
}

void put_patient(hl7::Message& m, const std::string& mrn, const std::string& issuer, const std::string& name,
                 const std::string& birth_date, const std::string& sex) {
  put(m, "PID-1", "1");
  put(m, "PID-3.1", mrn);
  put(m, "PID-3.4", issuer);
  put(m, "PID-3.5", "MR");
  // The name is kept as FAMILY^GIVEN^MIDDLE: one component each.
  std::size_t component = 0;
  std::size_t begin = 0;
  while (!name.empty() && begin <= name.size()) {
    auto end = name.find('^', begin);
    if (end == std::string::npos) end = name.size();
    put(m, "PID-5." + std::to_string(++component), std::string_view(name).substr(begin, end - begin));
    begin = end + 1;
  }
  put(m, "PID-7", birth_date);
  put(m, "PID-8", sex);
}

// OBR-4 is required: a procedure the sender never named is written as such, not left empty.
void put_procedure(hl7::Message& m, const std::string& code, const std::string& text, const std::string& system) {
  put(m, "OBR-4.1", code);
  put(m, "OBR-4.2", code.empty() && text.empty() ? std::string("Unspecified procedure") : text);
  put(m, "OBR-4.3", system);
}

std::string hl7_status(report::Status status) {
  const auto code = report::to_string(status);
  return code.empty() ? "F" : std::string(code);
}

}  // namespace

Result<std::string> restamp(std::string_view er7, const Stamp& stamp) {
  auto parsed = hl7::parse(er7);
  if (!parsed) return parsed.error();
  auto m = std::move(parsed).value();
  for (const auto& [path, value] : {std::pair{"MSH-3", stamp.sending_application},
                                    {"MSH-4", stamp.sending_facility},
                                    {"MSH-5", stamp.receiving_application},
                                    {"MSH-6", stamp.receiving_facility},
                                    {"MSH-7", stamp.timestamp},
                                    {"MSH-10", stamp.control_id}}) {
    if (auto r = m.set(path, value); !r) return r.error();
  }
  return m.serialize();
}

std::string oru_message(const report::Report& r, const store::OrderRecord& order, const std::string& study_uid,
                        const Stamp& stamp) {
  auto m = hl7::Message::with_header();
  put_header(m, stamp, "ORU^R01^ORU_R01");
  put_patient(m, order.patient_mrn.empty() ? r.patient_id : order.patient_mrn,
              order.patient_mrn.empty() ? r.issuer : order.patient_issuer, r.patient_name, "", "");
  const auto status = hl7_status(r.status);
  const auto& placer = order.placer.empty() ? r.placer_order : order.placer;
  const auto& filler = order.filler.empty() ? r.filler_order : order.filler;
  const auto& accession = order.accession.empty() ? r.accession : order.accession;
  put(m, "ORC-1", "RE");
  put(m, "ORC-2", placer);
  put(m, "ORC-3", filler);
  put(m, "ORC-5", "CM");
  put(m, "OBR-1", "1");
  put(m, "OBR-2", placer);
  put(m, "OBR-3", filler);
  if (r.procedure_code.empty() && r.procedure_text.empty()) {
    put_procedure(m, order.procedure_code, order.procedure_text, order.procedure_system);
  } else {
    put_procedure(m, r.procedure_code, r.procedure_text, "");
  }
  put(m, "OBR-7", r.observation_time);
  put(m, "OBR-18", accession);
  put(m, "OBR-22", r.status_time);
  put(m, "OBR-24", r.modality.empty() ? order.modality : r.modality);
  put(m, "OBR-25", status);
  put(m, "OBR-32", r.interpreter);

  int set_id = 0;
  const auto add_text = [&](const report::Section& section, bool addendum) {
    const std::string obx = "OBX(" + std::to_string(++set_id) + ")";
    put(m, obx + "-1", std::to_string(set_id));
    put(m, obx + "-2", "TX");
    put(m, obx + "-3.2", addendum && section.heading.find("ddend") == std::string::npos ? "Addendum" : section.heading);
    std::size_t line = 0;
    std::size_t begin = 0;
    while (begin <= section.text.size()) {
      auto end = section.text.find('\n', begin);
      if (end == std::string::npos) end = section.text.size();
      const auto text = std::string_view(section.text).substr(begin, end - begin);
      // An empty line still takes its repetition, so the layout of the text survives.
      (void)m.set(obx + "-5(" + std::to_string(++line) + ")", text.empty() ? " " : text);
      begin = end + 1;
    }
    put(m, obx + "-11", status);
  };
  for (const auto& s : r.sections) add_text(s, false);
  for (const auto& s : r.addenda) add_text(s, true);
  for (const auto& c : r.coded) {
    const std::string obx = "OBX(" + std::to_string(++set_id) + ")";
    put(m, obx + "-1", std::to_string(set_id));
    put(m, obx + "-2", "CE");
    put(m, obx + "-3.2", c.observation);
    put(m, obx + "-5.1", c.code);
    put(m, obx + "-5.2", c.meaning);
    put(m, obx + "-5.3", c.system);
    put(m, obx + "-11", status);
  }
  if (!r.abnormal_flags.empty() && set_id > 0) {
    // Flags were read from the observations; they go back on the first one.
    for (std::size_t i = 0; i < r.abnormal_flags.size(); ++i) {
      put(m, "OBX(1)-8(" + std::to_string(i + 1) + ")", r.abnormal_flags[i]);
    }
  }
  for (const auto& a : r.attachments) {
    const std::string obx = "OBX(" + std::to_string(++set_id) + ")";
    put(m, obx + "-1", std::to_string(set_id));
    put(m, obx + "-2", "ED");
    put(m, obx + "-3.2", a.title.empty() ? "Report" : a.title);
    const auto slash = a.mime_type.find('/');
    put(m, obx + "-5.2", a.mime_type.substr(0, slash));
    put(m, obx + "-5.3", slash == std::string::npos ? "" : a.mime_type.substr(slash + 1));
    put(m, obx + "-5.4", "Base64");
    (void)m.set_raw(obx + "-5.5", base64_encode(a.bytes));  // the alphabet holds no delimiter
    put(m, obx + "-11", status);
  }
  if (!study_uid.empty()) {
    put(m, "ZDS-1.1", study_uid);
    put(m, "ZDS-1.2", stamp.sending_application);
    put(m, "ZDS-1.3", "Application");
    put(m, "ZDS-1.4", "DICOM");
  }
  return m.serialize();
}

std::string status_update(const store::OrderRecord& order, const store::PatientRecord& patient, const Stamp& stamp) {
  auto m = hl7::Message::with_header();
  put_header(m, stamp, "ORM^O01^ORM_O01");
  put_patient(m, order.patient_mrn, order.patient_issuer, patient.name, patient.birth_date, patient.sex);
  put(m, "ORC-1", "SC");
  put(m, "ORC-2", order.placer);
  put(m, "ORC-3", order.filler);
  put(m, "ORC-5", order.status);
  put(m, "OBR-1", "1");
  put(m, "OBR-2", order.placer);
  put(m, "OBR-3", order.filler);
  put_procedure(m, order.procedure_code, order.procedure_text, order.procedure_system);
  put(m, "OBR-18", order.accession);
  put(m, "OBR-24", order.modality);
  if (!order.study_uid.empty()) {
    put(m, "ZDS-1.1", order.study_uid);
    put(m, "ZDS-1.2", stamp.sending_application);
    put(m, "ZDS-1.3", "Application");
    put(m, "ZDS-1.4", "DICOM");
  }
  return m.serialize();
}

}  // namespace radloop::pipeline
