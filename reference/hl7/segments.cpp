// Typed views: composite decoding and the message-structure table.
#include "reference/hl7/segments.hpp"

#include <array>
#include <utility>

namespace radloop::hl7 {

std::vector<std::string> SegmentView::repetitions(std::size_t field, std::size_t component) const {
  std::vector<std::string> out;
  const auto count = m_->repetition_count(index_, field);
  for (std::size_t r = 1; r <= count; ++r) out.push_back(m_->value(index_, field, r, component, 0));
  return out;
}

Identifier SegmentView::identifier(std::size_t field, std::size_t repetition) const {
  return Identifier{value(field, 1, 0, repetition), value(field, 4, 1, repetition), value(field, 4, 2, repetition),
                    value(field, 5, 0, repetition)};
}

std::vector<Identifier> SegmentView::identifiers(std::size_t field) const {
  std::vector<Identifier> out;
  const auto count = m_->repetition_count(index_, field);
  for (std::size_t r = 1; r <= count; ++r) out.push_back(identifier(field, r));
  return out;
}

EntityId SegmentView::entity(std::size_t field, std::size_t repetition) const {
  return EntityId{value(field, 1, 0, repetition), value(field, 2, 0, repetition), value(field, 3, 0, repetition),
                  value(field, 4, 0, repetition)};
}

PersonName SegmentView::name(std::size_t field, std::size_t first_component, std::size_t repetition) const {
  const auto c = first_component;
  // XPN family name is FN (surname & own surname prefix ...): its first sub-component.
  return PersonName{value(field, c, 1, repetition), value(field, c + 1, 0, repetition),
                    value(field, c + 2, 0, repetition), value(field, c + 3, 0, repetition),
                    value(field, c + 4, 0, repetition)};
}

Coded SegmentView::coded(std::size_t field, std::size_t repetition) const {
  return Coded{value(field, 1, 0, repetition), value(field, 2, 0, repetition), value(field, 3, 0, repetition)};
}

std::optional<Identifier> Pid::identifier_from(std::string_view authority) const {
  for (auto& id : identifiers()) {
    if (id.authority == authority) return id;
  }
  return std::nullopt;
}

namespace {
std::string join_lines(const std::vector<std::string>& parts) {
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i != 0) out += '\n';
    out += parts[i];
  }
  return out;
}
}  // namespace

std::string Obx::text() const { return join_lines(values()); }
std::string Nte::comment() const { return join_lines(repetitions(3)); }

std::string structure_for(std::string_view code, std::string_view trigger) {
  struct Row {
    std::string_view code, trigger, structure;
  };
  static constexpr std::array kTable = {
      Row{"ADT", "A01", "ADT_A01"}, Row{"ADT", "A04", "ADT_A01"}, Row{"ADT", "A08", "ADT_A01"},
      Row{"ADT", "A13", "ADT_A01"}, Row{"ADT", "A05", "ADT_A05"}, Row{"ADT", "A14", "ADT_A05"},
      Row{"ADT", "A28", "ADT_A05"}, Row{"ADT", "A31", "ADT_A05"}, Row{"ADT", "A02", "ADT_A02"},
      Row{"ADT", "A03", "ADT_A03"}, Row{"ADT", "A39", "ADT_A39"}, Row{"ADT", "A40", "ADT_A39"},
      Row{"ADT", "A41", "ADT_A39"}, Row{"ADT", "A42", "ADT_A39"}, Row{"ADT", "A47", "ADT_A30"},
      Row{"ORM", "O01", "ORM_O01"}, Row{"OMI", "O23", "OMI_O23"}, Row{"OMG", "O19", "OMG_O19"},
      Row{"ORU", "R01", "ORU_R01"}, Row{"ORR", "O02", "ORR_O02"}, Row{"ORI", "O24", "ORI_O24"},
      Row{"SIU", "S12", "SIU_S12"}, Row{"MDM", "T02", "MDM_T02"},
  };
  if (code == "ACK") return "ACK";
  for (const auto& row : kTable) {
    if (row.code == code && row.trigger == trigger) return std::string(row.structure);
  }
  return {};
}

MessageType message_type(const Message& m) {
  const auto msh = first<Msh>(m);
  if (!msh) return {};
  MessageType t{msh->message_code(), msh->trigger_event(), msh->message_structure(), msh->version()};
  if (t.structure.empty()) t.structure = structure_for(t.code, t.trigger);
  return t;
}

}  // namespace radloop::hl7
