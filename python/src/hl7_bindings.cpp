// radloop._core.hl7: parse, build, read, edit, validate and acknowledge HL7 v2 messages from
// Python. Bytes in and out on the wire side; str values (UTF-8) on the value side.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "python/src/errors.hpp"
#include "reference/hl7/ack.hpp"
#include "reference/hl7/parser.hpp"
#include "reference/hl7/segments.hpp"
#include "reference/hl7/validate.hpp"

namespace py = pybind11;

namespace radloop::python {
namespace {

using hl7::Message;

// Accepts bytes (exact) or str (encoded as UTF-8).
std::string wire_bytes(const py::object& data) {
  if (py::isinstance<py::bytes>(data)) return data.cast<std::string>();
  if (py::isinstance<py::str>(data)) return data.cast<std::string>();
  throw py::type_error("an HL7 message is bytes or str");
}

py::dict location_dict(const hl7::Location& l) {
  py::dict d;
  d["text"] = l.to_string();
  d["segment"] = l.segment;
  d["segment_id"] = l.segment_id;
  d["field"] = l.field;
  d["repetition"] = l.repetition;
  d["component"] = l.component;
  d["subcomponent"] = l.subcomponent;
  d["line"] = l.line;
  return d;
}

py::list issues_list(const std::vector<hl7::Issue>& issues) {
  py::list out;
  for (const auto& i : issues) {
    py::dict d;
    d["severity"] = std::string(1, hl7::to_char(i.severity));
    d["code"] = i.code;
    d["where"] = i.where.to_string();
    d["location"] = location_dict(i.where);
    d["text"] = i.text;
    out.append(d);
  }
  return out;
}

hl7::Outcome outcome_from(const std::string& name) {
  if (name == "accepted") return hl7::Outcome::accepted;
  if (name == "error") return hl7::Outcome::error;
  if (name == "rejected") return hl7::Outcome::rejected;
  throw py::value_error("outcome is 'accepted', 'error' or 'rejected'");
}

hl7::Delimiters delimiters_from(const std::string& msh1_msh2) {
  // "|^~\\&" (MSH-1 then MSH-2), optionally with the truncation character.
  if (msh1_msh2.size() < 5 || msh1_msh2.size() > 6) throw py::value_error("delimiters look like '|^~\\\\&'");
  return hl7::Delimiters{msh1_msh2[0], msh1_msh2[1], msh1_msh2[2],
                         msh1_msh2[3], msh1_msh2[4], msh1_msh2.size() == 6 ? msh1_msh2[5] : '\0'};
}

Message build(const std::string& type, const std::string& control_id, const std::string& version,
              const std::string& sending_application, const std::string& sending_facility,
              const std::string& receiving_application, const std::string& receiving_facility,
              const std::string& timestamp, const std::string& processing_id, const std::string& charset,
              const std::string& delimiters) {
  Message m = Message::with_header(delimiters.empty() ? hl7::Delimiters{} : delimiters_from(delimiters));
  // MSH-18 first, so every value after it is written in that character set.
  if (!charset.empty()) unwrap(m.set("MSH-18", charset));
  unwrap(m.set("MSH-3", sending_application));
  unwrap(m.set("MSH-4", sending_facility));
  unwrap(m.set("MSH-5", receiving_application));
  unwrap(m.set("MSH-6", receiving_facility));
  unwrap(m.set("MSH-7", timestamp));
  // "ADT^A01^ADT_A01": the caret here is the notation, not data.
  std::size_t component = 1;
  std::size_t start = 0;
  while (true) {
    const auto end = type.find('^', start);
    unwrap(m.set(hl7::Path{"MSH", 1, 9, 0, component++, 0},
                 type.substr(start, end == std::string::npos ? end : end - start)));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  unwrap(m.set("MSH-10", control_id));
  unwrap(m.set("MSH-11", processing_id));
  unwrap(m.set("MSH-12", version));
  return m;
}

}  // namespace

void bind_hl7(py::module_& core) {
  auto m = core.def_submodule("hl7", "HL7 v2 (ER7) messages: parse, build, read, edit, validate, acknowledge");

  py::class_<Message>(m, "Message", "An HL7 v2 message (or batch) kept as its exact ER7 bytes.")
      .def(
          "get", [](const Message& msg, const std::string& path) { return unwrap(msg.get(path)); }, py::arg("path"),
          "Decoded value at a path like 'PID-3(2).4.1'; '' when absent, '\"\"' for an explicit null.")
      .def(
          "raw", [](const Message& msg, const std::string& path) { return py::bytes(unwrap(msg.raw(path))); },
          py::arg("path"), "The element at a path as raw ER7 bytes.")
      .def(
          "set", [](Message& msg, const std::string& path, const std::string& value) { unwrap(msg.set(path, value)); },
          py::arg("path"), py::arg("value"), "Write a value (escaped and converted to the message's charset).")
      .def(
          "set_raw",
          [](Message& msg, const std::string& path, const py::object& er7) {
            unwrap(msg.set_raw(path, wire_bytes(er7)));
          },
          py::arg("path"), py::arg("er7"), "Write ER7 text as it is (its separators keep their meaning).")
      .def(
          "set_null", [](Message& msg, const std::string& path) { unwrap(msg.set_null(path)); }, py::arg("path"))
      .def("is_null", &Message::is_null, py::arg("path"))
      .def(
          "append_segment",
          [](Message& msg, const std::string& id) {
            if (!hl7::is_segment_id(id)) throw py::value_error("a segment ID is three upper-case letters or digits");
            return msg.append_segment(id);
          },
          py::arg("id"), "Append an empty segment; returns its index.")
      .def(
          "remove_segment",
          [](Message& msg, std::size_t index) {
            if (index >= msg.size()) throw py::index_error("no such segment");
            msg.remove_segment(index);
          },
          py::arg("index"))
      .def(
          "field",
          [](const Message& msg, std::size_t segment, std::size_t field) {
            if (segment >= msg.size()) throw py::index_error("no such segment");
            return py::bytes(std::string(msg.field(segment, field)));
          },
          py::arg("segment"), py::arg("field"), "Raw bytes of a field of the segment at an index.")
      .def(
          "field_count",
          [](const Message& msg, std::size_t segment) {
            if (segment >= msg.size()) throw py::index_error("no such segment");
            return msg.field_count(segment);
          },
          py::arg("segment"))
      .def_property_readonly(
          "segments",
          [](const Message& msg) {
            std::vector<std::string> ids;
            for (std::size_t i = 0; i < msg.size(); ++i) ids.emplace_back(msg.segment_id(i));
            return ids;
          },
          "Segment IDs in order.")
      .def_property_readonly(
          "warnings",
          [](const Message& msg) {
            py::list out;
            for (const auto& w : msg.warnings()) {
              py::dict d;
              d["where"] = w.where.to_string();
              d["location"] = location_dict(w.where);
              d["text"] = w.text;
              out.append(d);
            }
            return out;
          },
          "What the lenient reading repaired or guessed, each with its location.")
      .def_property_readonly("charset", [](const Message& msg) { return std::string(hl7::to_string(msg.charset())); })
      .def_property_readonly("delimiters",
                             [](const Message& msg) {
                               const auto& d = msg.delimiters();
                               return std::string(1, d.field) + d.encoding_characters();
                             })
      .def_property_readonly("type",
                             [](const Message& msg) {
                               const auto t = hl7::message_type(msg);
                               py::dict d;
                               d["code"] = t.code;
                               d["trigger"] = t.trigger;
                               d["structure"] = t.structure;
                               d["version"] = t.version;
                               d["name"] = t.name();
                               return d;
                             })
      .def(
          "validate", [](const Message& msg) { return issues_list(hl7::validate(msg)); },
          "Structural problems, each a dict with severity (E/W/I), HL7 table 0357 code, where and text.")
      .def(
          "ack",
          [](const Message& msg, const std::string& outcome, const std::string& control_id,
             const std::string& timestamp, const std::string& text, bool with_issues) {
            const auto issues = with_issues ? hl7::validate(msg) : std::vector<hl7::Issue>{};
            return hl7::build_ack(msg, outcome_from(outcome), issues, hl7::AckOptions{control_id, timestamp, text});
          },
          py::arg("outcome") = "accepted", py::arg("control_id") = "ACK", py::arg("timestamp") = "",
          py::arg("text") = "", py::arg("with_issues") = false,
          "The ACK for this message: AA/AE/AR, or CA/CE/CR when MSH-15/16 ask for enhanced mode; "
          "with_issues adds one ERR per validation problem.")
      .def(
          "split", [](const Message& msg) { return hl7::split_messages(msg); }, "The messages of a batch.")
      .def(
          "serialize", [](const Message& msg) { return py::bytes(msg.serialize()); }, "ER7 bytes, CR after segments.")
      .def("__bytes__", [](const Message& msg) { return py::bytes(msg.serialize()); })
      .def("__len__", &Message::size)
      .def("__eq__", [](const Message& a, const Message& b) { return a == b; })
      .def("__repr__", [](const Message& msg) {
        return "<radloop.hl7.Message " + hl7::message_type(msg).name() + ", " + std::to_string(msg.size()) +
               " segments>";
      });

  m.def(
      "parse",
      [](const py::object& data, bool strict) {
        return unwrap(hl7::parse(wire_bytes(data), hl7::ParseOptions{strict}));
      },
      py::arg("data"), py::arg("strict") = false,
      "Parse ER7 bytes (or str). Lenient by default: repairs are listed in .warnings; strict rejects them.");
  m.def("build", &build, py::arg("type"), py::arg("control_id"), py::arg("version") = "2.5.1",
        py::arg("sending_application") = "", py::arg("sending_facility") = "", py::arg("receiving_application") = "",
        py::arg("receiving_facility") = "", py::arg("timestamp") = "", py::arg("processing_id") = "P",
        py::arg("charset") = "", py::arg("delimiters") = "",
        "A new message with its MSH filled; add segments with set('PID-3.1', ...).");
  m.def(
      "read_ack",
      [](const py::object& data) {
        const auto ack = unwrap(hl7::read_ack(wire_bytes(data)));
        py::dict d;
        d["code"] = ack.code;
        d["acknowledged_id"] = ack.acknowledged_id;
        d["text"] = ack.text;
        d["error_codes"] = ack.error_codes;
        d["accepted"] = hl7::is_accepted(ack.code);
        return d;
      },
      py::arg("data"), "MSA-1/2/3 and the ERR codes of an acknowledgement.");
}

}  // namespace radloop::python
