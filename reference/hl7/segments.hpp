// Typed, read-only views of the segments radiology reads (HL7 v2.5 field numbers, which the
// earlier versions share for these fields). A view is a message and a segment index; every
// accessor decodes on call and returns "" for what is absent.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "reference/hl7/message.hpp"

namespace radloop::hl7 {

struct Identifier {  // CX: ID ^ check digit ^ scheme ^ assigning authority (HD) ^ type code
  std::string id;
  std::string authority;               // CX-4.1 (namespace ID)
  std::string authority_universal_id;  // CX-4.2, e.g. an OID
  std::string type;                    // CX-5, e.g. MR
};
struct EntityId {  // EI
  std::string id;
  std::string namespace_id;
  std::string universal_id;
  std::string universal_id_type;
};
struct PersonName {  // XPN / the name part of XCN
  std::string family;
  std::string given;
  std::string middle;
  std::string suffix;
  std::string prefix;
};
struct Coded {  // CE / CWE: identifier ^ text ^ coding system
  std::string code;
  std::string text;
  std::string system;
};

class SegmentView {
 public:
  SegmentView(const Message& message, std::size_t index) : m_(&message), index_(index) {}
  [[nodiscard]] std::size_t index() const { return index_; }
  [[nodiscard]] std::string_view id() const { return m_->segment_id(index_); }
  // First repetition unless told otherwise; component/sub-component 0 = the whole element.
  [[nodiscard]] std::string value(std::size_t field, std::size_t component = 0, std::size_t subcomponent = 0,
                                  std::size_t repetition = 1) const {
    return m_->value(index_, field, repetition, component, subcomponent);
  }
  [[nodiscard]] std::vector<std::string> repetitions(std::size_t field, std::size_t component = 0) const;

 protected:
  [[nodiscard]] Identifier identifier(std::size_t field, std::size_t repetition = 1) const;
  [[nodiscard]] std::vector<Identifier> identifiers(std::size_t field) const;
  [[nodiscard]] EntityId entity(std::size_t field, std::size_t repetition = 1) const;
  [[nodiscard]] PersonName name(std::size_t field, std::size_t first_component = 1, std::size_t repetition = 1) const;
  [[nodiscard]] Coded coded(std::size_t field, std::size_t repetition = 1) const;

  const Message* m_;
  std::size_t index_;
};

class Msh : public SegmentView {
 public:
  static constexpr std::string_view kId = "MSH";
  using SegmentView::SegmentView;
  [[nodiscard]] std::string sending_application() const { return value(3, 1); }
  [[nodiscard]] std::string sending_facility() const { return value(4, 1); }
  [[nodiscard]] std::string receiving_application() const { return value(5, 1); }
  [[nodiscard]] std::string receiving_facility() const { return value(6, 1); }
  [[nodiscard]] std::string date_time() const { return value(7, 1); }
  [[nodiscard]] std::string security() const { return value(8); }
  [[nodiscard]] std::string message_code() const { return value(9, 1); }
  [[nodiscard]] std::string trigger_event() const { return value(9, 2); }
  [[nodiscard]] std::string message_structure() const { return value(9, 3); }
  [[nodiscard]] std::string control_id() const { return value(10); }
  [[nodiscard]] std::string processing_id() const { return value(11, 1); }
  [[nodiscard]] std::string version() const { return value(12, 1); }
  [[nodiscard]] std::string sequence_number() const { return value(13); }
  [[nodiscard]] std::string accept_ack_type() const { return value(15); }       // AL, NE, ER, SU
  [[nodiscard]] std::string application_ack_type() const { return value(16); }  // AL, NE, ER, SU
  [[nodiscard]] std::string country() const { return value(17); }
  [[nodiscard]] std::string character_set() const { return value(18); }
  [[nodiscard]] std::string language() const { return value(19, 1); }
  [[nodiscard]] std::vector<std::string> profiles() const { return repetitions(21, 1); }
};

class Evn : public SegmentView {
 public:
  static constexpr std::string_view kId = "EVN";
  using SegmentView::SegmentView;
  [[nodiscard]] std::string event_type() const { return value(1); }
  [[nodiscard]] std::string recorded_date_time() const { return value(2, 1); }
  [[nodiscard]] std::string reason_code() const { return value(4); }
  [[nodiscard]] std::string operator_id() const { return value(5, 1); }
  [[nodiscard]] std::string event_occurred() const { return value(6, 1); }
};

class Pid : public SegmentView {
 public:
  static constexpr std::string_view kId = "PID";
  using SegmentView::SegmentView;
  [[nodiscard]] std::string set_id() const { return value(1); }
  [[nodiscard]] std::vector<Identifier> identifiers() const { return SegmentView::identifiers(3); }
  // The identifier assigned by `authority` (CX-4.1), e.g. the MRN of one facility.
  [[nodiscard]] std::optional<Identifier> identifier_from(std::string_view authority) const;
  [[nodiscard]] PersonName name() const { return SegmentView::name(5); }
  [[nodiscard]] PersonName mothers_maiden_name() const { return SegmentView::name(6); }
  [[nodiscard]] std::string birth_date() const { return value(7, 1); }
  [[nodiscard]] std::string sex() const { return value(8); }
  [[nodiscard]] std::string street() const { return value(11, 1); }
  [[nodiscard]] std::string city() const { return value(11, 3); }
  [[nodiscard]] std::string postal_code() const { return value(11, 5); }
  [[nodiscard]] std::string home_phone() const { return value(13, 1); }
  [[nodiscard]] Identifier account_number() const { return identifier(18); }
  [[nodiscard]] std::string death_indicator() const { return value(30); }
};

class Pd1 : public SegmentView {
 public:
  static constexpr std::string_view kId = "PD1";
  using SegmentView::SegmentView;
  [[nodiscard]] std::string primary_facility() const { return value(3, 1); }
  [[nodiscard]] std::string primary_care_provider_id() const { return value(4, 1); }
  [[nodiscard]] PersonName primary_care_provider() const { return name(4, 2); }
};

class Pv1 : public SegmentView {
 public:
  static constexpr std::string_view kId = "PV1";
  using SegmentView::SegmentView;
  [[nodiscard]] std::string patient_class() const { return value(2); }
  [[nodiscard]] std::string point_of_care() const { return value(3, 1); }
  [[nodiscard]] std::string room() const { return value(3, 2); }
  [[nodiscard]] std::string bed() const { return value(3, 3); }
  [[nodiscard]] std::string facility() const { return value(3, 4); }
  [[nodiscard]] std::string attending_doctor_id() const { return value(7, 1); }
  [[nodiscard]] PersonName attending_doctor() const { return name(7, 2); }
  [[nodiscard]] std::string referring_doctor_id() const { return value(8, 1); }
  [[nodiscard]] PersonName referring_doctor() const { return name(8, 2); }
  [[nodiscard]] std::string hospital_service() const { return value(10); }
  [[nodiscard]] Identifier visit_number() const { return identifier(19); }
  [[nodiscard]] std::string admit_date_time() const { return value(44, 1); }
  [[nodiscard]] std::string discharge_date_time() const { return value(45, 1); }
};

class Mrg : public SegmentView {
 public:
  static constexpr std::string_view kId = "MRG";
  using SegmentView::SegmentView;
  [[nodiscard]] std::vector<Identifier> prior_identifiers() const { return identifiers(1); }
  [[nodiscard]] Identifier prior_account_number() const { return identifier(3); }
  [[nodiscard]] Identifier prior_visit_number() const { return identifier(5); }
  [[nodiscard]] PersonName prior_name() const { return name(7); }
};

class Orc : public SegmentView {
 public:
  static constexpr std::string_view kId = "ORC";
  using SegmentView::SegmentView;
  [[nodiscard]] std::string order_control() const { return value(1); }  // NW, XO, CA, SC, ...
  [[nodiscard]] EntityId placer_order_number() const { return entity(2); }
  [[nodiscard]] EntityId filler_order_number() const { return entity(3); }
  [[nodiscard]] EntityId placer_group_number() const { return entity(4); }
  [[nodiscard]] std::string order_status() const { return value(5); }  // SC, IP, CM, CA ...
  [[nodiscard]] std::string transaction_date_time() const { return value(9, 1); }
  [[nodiscard]] std::string ordering_provider_id() const { return value(12, 1); }
  [[nodiscard]] PersonName ordering_provider() const { return name(12, 2); }
  [[nodiscard]] Coded order_control_reason() const { return coded(16); }
};

class Obr : public SegmentView {
 public:
  static constexpr std::string_view kId = "OBR";
  using SegmentView::SegmentView;
  [[nodiscard]] std::string set_id() const { return value(1); }
  [[nodiscard]] EntityId placer_order_number() const { return entity(2); }
  [[nodiscard]] EntityId filler_order_number() const { return entity(3); }
  [[nodiscard]] Coded universal_service() const { return coded(4); }
  [[nodiscard]] std::string observation_date_time() const { return value(7, 1); }
  [[nodiscard]] std::string clinical_information() const { return value(13); }
  [[nodiscard]] std::string ordering_provider_id() const { return value(16, 1); }
  [[nodiscard]] PersonName ordering_provider() const { return name(16, 2); }
  // OBR-18..21 carry accession and procedure IDs in IHE radiology (placer field 1 = accession
  // in RAD-4 ORM^O01, filler field 1 often the requested procedure ID).
  [[nodiscard]] std::string placer_field_1() const { return value(18); }
  [[nodiscard]] std::string placer_field_2() const { return value(19); }
  [[nodiscard]] std::string filler_field_1() const { return value(20); }
  [[nodiscard]] std::string filler_field_2() const { return value(21); }
  [[nodiscard]] std::string results_status_change() const { return value(22, 1); }
  [[nodiscard]] std::string diagnostic_service_section() const { return value(24); }  // modality, e.g. CT
  [[nodiscard]] std::string result_status() const { return value(25); }               // P, F, C, X ...
  [[nodiscard]] std::string reason_for_study() const { return value(31, 2); }
  [[nodiscard]] std::string principal_interpreter() const { return value(32, 1); }
  [[nodiscard]] std::string scheduled_date_time() const { return value(36, 1); }
  [[nodiscard]] Coded procedure_code() const { return coded(44); }
};

class Obx : public SegmentView {
 public:
  static constexpr std::string_view kId = "OBX";
  using SegmentView::SegmentView;
  [[nodiscard]] std::string set_id() const { return value(1); }
  [[nodiscard]] std::string value_type() const { return value(2); }  // TX, FT, ST, CE, NM, ED ...
  [[nodiscard]] Coded observation() const { return coded(3); }
  [[nodiscard]] std::string sub_id() const { return value(4); }
  // OBX-5, every repetition joined by a line break: how narrative arrives in TX/FT.
  [[nodiscard]] std::string text() const;
  [[nodiscard]] std::vector<std::string> values() const { return repetitions(5); }
  [[nodiscard]] std::string units() const { return value(6, 1); }
  [[nodiscard]] std::string reference_range() const { return value(7); }
  [[nodiscard]] std::vector<std::string> abnormal_flags() const { return repetitions(8); }
  [[nodiscard]] std::string result_status() const { return value(11); }
  [[nodiscard]] std::string observation_date_time() const { return value(14, 1); }
  [[nodiscard]] std::string responsible_observer() const { return value(16, 1); }
};

class Nte : public SegmentView {
 public:
  static constexpr std::string_view kId = "NTE";
  using SegmentView::SegmentView;
  [[nodiscard]] std::string set_id() const { return value(1); }
  [[nodiscard]] std::string source() const { return value(2); }
  [[nodiscard]] std::string comment() const;  // NTE-3, repetitions joined by a line break
};

class Tq1 : public SegmentView {
 public:
  static constexpr std::string_view kId = "TQ1";
  using SegmentView::SegmentView;
  [[nodiscard]] std::string set_id() const { return value(1); }
  [[nodiscard]] std::string quantity() const { return value(2, 1); }
  [[nodiscard]] std::string start_date_time() const { return value(7, 1); }
  [[nodiscard]] std::string end_date_time() const { return value(8, 1); }
  [[nodiscard]] std::string priority() const { return value(9, 1); }
};

class Ipc : public SegmentView {
 public:
  static constexpr std::string_view kId = "IPC";
  using SegmentView::SegmentView;
  [[nodiscard]] EntityId accession() const { return entity(1); }
  [[nodiscard]] EntityId requested_procedure_id() const { return entity(2); }
  [[nodiscard]] std::string study_instance_uid() const { return value(3, 1); }
  [[nodiscard]] EntityId scheduled_procedure_step_id() const { return entity(4); }
  [[nodiscard]] std::string modality() const { return value(5, 1); }
  [[nodiscard]] Coded protocol_code() const { return coded(6); }
  [[nodiscard]] std::string scheduled_station_name() const { return value(7, 1); }
  [[nodiscard]] std::string scheduled_location() const { return value(8, 1); }
  [[nodiscard]] std::vector<std::string> scheduled_station_ae_titles() const { return repetitions(9); }
};

// ZDS (IHE RAD-4/-13): the Study Instance UID the order placer assigned.
class Zds : public SegmentView {
 public:
  static constexpr std::string_view kId = "ZDS";
  using SegmentView::SegmentView;
  [[nodiscard]] std::string study_instance_uid() const { return value(1, 1); }
  [[nodiscard]] std::string assigning_application() const { return value(1, 2); }
};

class Msa : public SegmentView {
 public:
  static constexpr std::string_view kId = "MSA";
  using SegmentView::SegmentView;
  [[nodiscard]] std::string code() const { return value(1); }  // AA AE AR CA CE CR
  [[nodiscard]] std::string control_id() const { return value(2); }
  [[nodiscard]] std::string text() const { return value(3); }
};

class Err : public SegmentView {
 public:
  static constexpr std::string_view kId = "ERR";
  using SegmentView::SegmentView;
  [[nodiscard]] std::string location_v2x() const { return value(1); }  // ERR-1 (up to v2.4)
  [[nodiscard]] std::string segment() const { return value(2, 1); }    // ERR-2 ERL
  [[nodiscard]] std::string field_position() const { return value(2, 3); }
  [[nodiscard]] Coded error_code() const { return coded(3); }  // table 0357
  [[nodiscard]] std::string severity() const { return value(4); }
  [[nodiscard]] std::string diagnostic() const { return value(7); }
  [[nodiscard]] std::string user_message() const { return value(8); }
};

// The first / every segment of a view's type.
template <typename View>
std::optional<View> first(const Message& m) {
  if (auto i = m.find(View::kId)) return View(m, *i);
  return std::nullopt;
}
template <typename View>
std::vector<View> all(const Message& m) {
  std::vector<View> out;
  for (auto i : m.find_all(View::kId)) out.emplace_back(m, i);
  return out;
}

// MSH-9 and MSH-12; the structure is filled from the trigger event when MSH-9.3 is empty.
struct MessageType {
  std::string code;       // ADT
  std::string trigger;    // A08
  std::string structure;  // ADT_A01
  std::string version;    // 2.5.1
  [[nodiscard]] std::string name() const { return trigger.empty() ? code : code + "^" + trigger; }
};
MessageType message_type(const Message& m);
// The abstract message structure a type and trigger use (HL7 v2.5 table 0354), or "".
std::string structure_for(std::string_view code, std::string_view trigger);

}  // namespace radloop::hl7
