"""HL7 v2 messages from Python: parse, build, read and edit by path, validate, acknowledge.

>>> from radloop import hl7
>>> m = hl7.parse(b"MSH|^~\\\\&|EHR|GEN|RIS|RAD|20260101||ADT^A08|C1|P|2.5.1\\rPID|1||M1^^^GEN^MR||DOE^JANE\\r")
>>> m.get("PID-5.2")
'JANE'

Values are str (decoded: escapes resolved, text in UTF-8); the wire side is bytes.
"""

from __future__ import annotations

from radloop._core.hl7 import Message, build, parse, read_ack

__all__ = ["Message", "build", "parse", "read_ack"]
