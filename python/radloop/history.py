"""A history for tests written in Python: each operation's invocation and completion, in order,
as the scenario runner records them (JSON lines, the same fields)."""

from __future__ import annotations

import json
import time
from pathlib import Path


class History:
    """Record ``invoke`` then ``ok`` / ``fail`` / ``info`` (outcome unknown) per operation."""

    TYPES = ("invoke", "ok", "fail", "info")

    def __init__(self) -> None:
        self._start = time.monotonic()
        self.operations: list[dict] = []

    def append(self, process: str, type: str, f: str, value: dict | None = None) -> dict:  # noqa: A002
        if type not in self.TYPES:
            raise ValueError(f"type must be one of {', '.join(self.TYPES)}, not {type!r}")
        op = {
            "index": len(self.operations),
            "time_us": int((time.monotonic() - self._start) * 1_000_000),
            "process": process,
            "type": type,
            "f": f,
            "value": value or {},
        }
        self.operations.append(op)
        return op

    def completions(self, f: str | None = None) -> list[dict]:
        return [op for op in self.operations if op["type"] != "invoke" and (f is None or op["f"] == f)]

    def json_lines(self) -> str:
        return "".join(json.dumps(op) + "\n" for op in self.operations)

    def write(self, path: str | Path) -> None:
        Path(path).write_text(self.json_lines(), encoding="utf-8")
