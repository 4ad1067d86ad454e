"""DICOM files no well-behaved modality writes, encoded byte by byte (pydicom would recurse once per
level writing them, as DCMTK recurses reading them)."""

from __future__ import annotations

import resource
import struct
from pathlib import Path

BASIC_TEXT_SR = "1.2.840.10008.5.1.4.1.1.88.11"
EXPLICIT_LITTLE = "1.2.840.10008.1.2.1"


def _tag(group: int, element: int) -> bytes:
    return struct.pack("<HH", group, element)


def _text(group: int, element: int, vr: str, value: str) -> bytes:
    data = value.encode("ascii")
    if len(data) % 2:
        data += b"\0" if vr == "UI" else b" "
    return _tag(group, element) + vr.encode() + struct.pack("<H", len(data)) + data


def nested_part10(path: Path, levels: int, study_uid: str, sop_uid: str, patient_id: str = "MRN1") -> Path:
    """A Basic Text SR whose Content Sequence nests `levels` deep (undefined lengths throughout)."""
    undefined = 0xFFFFFFFF
    open_level = _tag(0x0040, 0xA730) + b"SQ\0\0" + struct.pack("<I", undefined) + _tag(0xFFFE, 0xE000) + \
        struct.pack("<I", undefined)
    close_level = _tag(0xFFFE, 0xE00D) + struct.pack("<I", 0) + _tag(0xFFFE, 0xE0DD) + struct.pack("<I", 0)
    dataset = b"".join([
        _text(0x0008, 0x0016, "UI", BASIC_TEXT_SR),
        _text(0x0008, 0x0018, "UI", sop_uid),
        _text(0x0008, 0x0060, "CS", "SR"),
        _text(0x0010, 0x0010, "PN", "DOE^JANE"),
        _text(0x0010, 0x0020, "LO", patient_id),
        _text(0x0020, 0x000D, "UI", study_uid),
        _text(0x0020, 0x000E, "UI", study_uid + ".1"),
        open_level * levels,
        _text(0x0040, 0xA040, "CS", "TEXT"),
        close_level * levels,
    ])
    meta_body = b"".join([
        _tag(0x0002, 0x0001) + b"OB\0\0" + struct.pack("<I", 2) + b"\0\1",
        _text(0x0002, 0x0002, "UI", BASIC_TEXT_SR),
        _text(0x0002, 0x0003, "UI", sop_uid),
        _text(0x0002, 0x0010, "UI", EXPLICIT_LITTLE),
        _text(0x0002, 0x0012, "UI", "1.2.826.0.1.3680043.9.7433.1"),
    ])
    meta = _tag(0x0002, 0x0000) + b"UL" + struct.pack("<HI", 4, len(meta_body)) + meta_body
    path.write_bytes(b"\0" * 128 + b"DICM" + meta + dataset)
    return path


def big_stack() -> None:
    """preexec_fn for a DCMTK tool that must itself read such a file: a stack deep enough for it."""
    resource.setrlimit(resource.RLIMIT_STACK, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))


VERIFICATION = "1.2.840.10008.1.1"
IMPLICIT_LITTLE = "1.2.840.10008.1.2"


def _item(kind: int, body: bytes) -> bytes:
    return struct.pack(">BBH", kind, 0, len(body)) + body


def associate_rq(called: str, calling: str, abstract: str = VERIFICATION, syntax: str = IMPLICIT_LITTLE) -> bytes:
    """An A-ASSOCIATE-RQ PDU (PS3.8 9.3.2) proposing one presentation context (ID 1)."""
    context = bytes([1, 0, 0, 0]) + _item(0x30, abstract.encode()) + _item(0x40, syntax.encode())
    body = b"".join([
        struct.pack(">HH", 1, 0), called.ljust(16).encode(), calling.ljust(16).encode(), b"\0" * 32,
        _item(0x10, b"1.2.840.10008.3.1.1.1"),
        _item(0x20, context),
        _item(0x50, _item(0x51, struct.pack(">I", 16384))),
    ])
    return struct.pack(">BBI", 1, 0, len(body)) + body


def p_data(context_id: int, payload: bytes, command: bool, last: bool = True) -> bytes:
    """A P-DATA-TF PDU carrying one PDV (PS3.8 9.3.5, E.2)."""
    pdv = bytes([context_id, (1 if command else 0) | (2 if last else 0)]) + payload
    body = struct.pack(">I", len(pdv)) + pdv
    return struct.pack(">BBI", 4, 0, len(body)) + body


def nested_command(levels: int) -> bytes:
    """A C-ECHO-RQ command set (implicit VR little endian) with a sequence nested `levels` deep."""
    undefined = 0xFFFFFFFF

    def element(group: int, number: int, value: bytes) -> bytes:
        return _tag(group, number) + struct.pack("<I", len(value)) + value

    open_level = _tag(0x0040, 0xA730) + struct.pack("<I", undefined) + _tag(0xFFFE, 0xE000) + \
        struct.pack("<I", undefined)
    close_level = _tag(0xFFFE, 0xE00D) + struct.pack("<I", 0) + _tag(0xFFFE, 0xE0DD) + struct.pack("<I", 0)
    uid = VERIFICATION.encode() + b"\0"
    fields = b"".join([
        element(0x0000, 0x0002, uid),
        element(0x0000, 0x0100, struct.pack("<H", 0x0030)),
        element(0x0000, 0x0110, struct.pack("<H", 1)),
        element(0x0000, 0x0800, struct.pack("<H", 0x0101)),
        open_level * levels + close_level * levels,
    ])
    return element(0x0000, 0x0000, struct.pack("<I", len(fields))) + fields


def read_pdu(sock) -> tuple[int, bytes]:
    """The next PDU's type and body; (0, b"") when the peer closed the connection."""
    head = b""
    while len(head) < 6:
        chunk = sock.recv(6 - len(head))
        if not chunk:
            return 0, b""
        head += chunk
    kind, _, length = struct.unpack(">BBI", head)
    body = b""
    while len(body) < length:
        chunk = sock.recv(min(65536, length - len(body)))
        if not chunk:
            return 0, b""
        body += chunk
    return kind, body
