"""radloop.hl7 from Python: build, edit, read, validate and acknowledge messages."""

from __future__ import annotations

import pytest

import radloop
from radloop import hl7

ORDER = (
    b"MSH|^~\\&|EHR|GEN|RIS|RAD|20260301101500||ORM^O01|C1|P|2.3.1\r"
    b"PID|1||M1^^^GEN^MR||DOE^JANE\r"
    b"ORC|NW|PLC1\r"
    b"OBR|1|PLC1||71020^CHEST 2 VIEWS^C4" + b"|" * 14 + b"ACC1" + b"|" * 6 + b"CR\r"
)


def test_read_values_and_structure():
    m = hl7.parse(ORDER)
    assert m.segments == ["MSH", "PID", "ORC", "OBR"]
    assert m.type == {"code": "ORM", "trigger": "O01", "structure": "ORM_O01", "version": "2.3.1", "name": "ORM^O01"}
    assert m.get("OBR-4.2") == "CHEST 2 VIEWS"
    assert m.get("OBR-18") == "ACC1"
    assert m.raw("PID-3") == b"M1^^^GEN^MR"
    assert m.serialize() == ORDER
    assert bytes(m) == ORDER
    assert m.warnings == []


def test_build_a_message_from_scratch_with_a_charset():
    m = hl7.build("ADT^A08^ADT_A01", "B7", sending_application="EHR", timestamp="20260301120000",
                  charset="8859/1")
    m.set("EVN-2", "20260301120000")
    m.set("PID-3.1", "M9")
    m.set("PID-5.1", "Müller")
    m.set("PV1-2", "O")
    wire = m.serialize()
    assert b"PID|||M9||M\xfcller\r" in wire
    assert hl7.parse(wire).get("PID-5.1") == "Müller"
    assert m.validate() == []
    m.remove_segment(3)  # PV1
    assert [(i["code"], i["where"]) for i in m.validate()] == [(100, "message")]


def test_bad_input_raises_radloop_error_with_code_and_location():
    with pytest.raises(radloop.RadloopError) as caught:
        hl7.parse(b"MSH|^~\\&&|A|B\r")
    assert caught.value.code == "hl7_bad_encoding_chars"
    assert caught.value.where == "MSH-2 (segment 1)"
    with pytest.raises(radloop.RadloopError) as caught:
        hl7.parse(ORDER).get("PID-3(")
    assert caught.value.code == "hl7_bad_path"
    with pytest.raises(radloop.RadloopError) as caught:
        hl7.build("ADT^A08", "1").set("PID-5.1", "山田")
    assert caught.value.code == "hl7_unrepresentable"


def test_lenient_reading_reports_repairs_and_strict_refuses():
    broken = ORDER.replace(b"\r", b"\n") + b"OBX|1|TX|IMP||Line one\nLine two||||||F\n"
    m = hl7.parse(broken)
    assert m.get("OBX-5") == "Line one\nLine two"
    assert {w["where"] for w in m.warnings} == {"OBX-5 (segment 5)", "line 1"}
    with pytest.raises(radloop.RadloopError):
        hl7.parse(broken, strict=True)


def test_validate_lists_problems_with_table_0357_codes():
    m = hl7.parse(ORDER.replace(b"ORC|NW|PLC1\r", b"ORC|ZZ|PLC1\r"))
    issues = m.validate()
    assert [(i["severity"], i["code"], i["where"]) for i in issues] == [("E", 103, "ORC-1 (segment 3)")]


def test_ack_in_original_and_enhanced_mode():
    m = hl7.parse(ORDER)
    ack = m.ack("accepted", control_id="A1", timestamp="20260301101600")
    assert hl7.read_ack(bytes(ack)) == {"code": "AA", "acknowledged_id": "C1", "text": "", "error_codes": [],
                                        "accepted": True}
    m.set("MSH-15", "AL")
    assert hl7.read_ack(bytes(m.ack("rejected")))["code"] == "CR"
    bad = hl7.parse(ORDER.replace(b"ORC|NW|PLC1\r", b"ORC|ZZ|PLC1\r"))
    read = hl7.read_ack(bytes(bad.ack("error", with_issues=True)))
    assert read["code"] == "AE"
    assert read["error_codes"] == ["103"]
    assert "ORC-1" in read["text"]


def test_misuse_from_python_is_an_exception_not_a_crash():
    m = hl7.parse(ORDER)
    with pytest.raises(IndexError):
        m.field_count(99)
    with pytest.raises(IndexError):
        m.field(99, 1)
    with pytest.raises(IndexError):
        m.remove_segment(99)
    with pytest.raises(ValueError):
        m.append_segment("")
    with pytest.raises(TypeError):
        hl7.parse(12)


def test_batches_split_into_messages():
    batch = hl7.parse(b"BHS|^~\\&|RIS\r" + ORDER + ORDER.replace(b"|C1|", b"|C2|") + b"BTS|2\r")
    messages = batch.split()
    assert [x.get("MSH-10") for x in messages] == ["C1", "C2"]
