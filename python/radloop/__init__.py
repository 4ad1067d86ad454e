"""radloop: simulation and conformance test harness for radiology integration.

The C++ core lives in ``radloop._core``; this package gives it a Python shape.
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from radloop._core import Ehr, Modality, Pipeline, RadloopError, Ris, __version__, echo, mllp_exchange
from radloop._core import load_scenario as _load_scenario
from radloop._core import run_scenario as _run_scenario
from radloop import hl7
from radloop.history import History

__all__ = [
    "Ehr",
    "History",
    "Modality",
    "Pipeline",
    "Ris",
    "RadloopError",
    "__version__",
    "echo",
    "hl7",
    "load_scenario",
    "mllp_exchange",
    "run_scenario",
    "running_pipeline",
]


def run_scenario(
    path: str | Path,
    report_path: str | Path | None = None,
    breaks: list[str] | None = None,
    max_wait: float = 0.0,
) -> tuple[dict, str]:
    """Run a scenario file against the in-process reference pipeline.

    Returns ``(report, summary)``: the report as a dict (same shape as the CLI's JSON report,
    with ``report["valid"]`` true, false, ``"unknown"`` or ``"not_exercised"``; only true is a pass)
    and a text summary for people.
    ``breaks`` switches on defects in the reference (as ``radloop run --break``), to see the
    scenario catch them; ``max_wait`` caps every wait (seconds; 0: as the scenario says).
    """
    return _run_scenario(str(path), str(report_path) if report_path else "", list(breaks or []), max_wait)


def load_scenario(path: str | Path) -> dict:
    """Read a scenario file without running it: its name, teaching, links, modalities and steps
    (each with its action, a sentence saying what it does and what it expects). A wrong file
    raises ``RadloopError`` naming file:line and key."""
    return _load_scenario(str(path))


@contextmanager
def running_pipeline(**options) -> Iterator[Pipeline]:
    """The reference pipeline on ephemeral loopback ports for the duration of a ``with`` block."""
    pipeline = Pipeline(**options)
    try:
        yield pipeline
    finally:
        pipeline.stop()
