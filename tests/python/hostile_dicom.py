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
