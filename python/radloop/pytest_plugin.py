"""pytest plugin: every scenario file is a test, and fixtures for tests written in Python.

``pytest scenarios/`` collects each scenario YAML file as one item, runs it against the
in-process reference pipeline and fails it (with the failed checks and their evidence) when the
verdict is not a pass. A verdict of "unknown" fails too: a check that could not observe is not a
pass. Works with ``-k``, ``-x``, ``--junitxml`` and pytest-xdist's ``-n``.

Load it with ``-p radloop.pytest_plugin`` or from a conftest.py (``scenarios/conftest.py`` does).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import radloop


def pytest_addoption(parser):
    group = parser.getgroup("radloop")
    group.addoption(
        "--radloop-report-dir",
        default=None,
        help="write each scenario's JSON report into this folder",
    )


def _is_scenario(path: Path) -> bool:
    """A YAML file whose top level names a scenario (other YAML files are left alone)."""
    if path.suffix not in (".yaml", ".yml"):
        return False
    try:
        with path.open(encoding="utf-8") as handle:
            return any(line.startswith("scenario:") for line in handle)
    except OSError:
        return False


def pytest_collect_file(parent, file_path):
    if _is_scenario(Path(file_path)):
        return ScenarioFile.from_parent(parent, path=Path(file_path))
    return None


class ScenarioFile(pytest.File):
    def collect(self):
        name = self.path.stem
        with self.path.open(encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("scenario:"):
                    name = line.split(":", 1)[1].split("#", 1)[0].strip().strip("'\"") or name
                    break
        yield ScenarioItem.from_parent(self, name=name)


class ScenarioFailed(Exception):
    """The scenario ran and its verdict is not a pass."""

    def __init__(self, report: dict, summary: str):
        super().__init__(summary)
        self.report = report
        self.summary = summary


class ScenarioItem(pytest.Item):
    def runtest(self):
        report_dir = self.config.getoption("--radloop-report-dir")
        report_path = Path(report_dir) / f"{self.name}-report.json" if report_dir else None
        if report_path:
            report_path.parent.mkdir(parents=True, exist_ok=True)
        report, summary = radloop.run_scenario(self.path, report_path)
        self.user_properties.append(("verdict", json.dumps(report["valid"])))
        if report["valid"] is not True:
            raise ScenarioFailed(report, summary)

    def repr_failure(self, excinfo, style=None):
        if isinstance(excinfo.value, ScenarioFailed):
            failed = excinfo.value
            lines = [f"scenario {failed.report['scenario']}: verdict {json.dumps(failed.report['valid'])}"]
            for check in failed.report["checks"]:
                if check["valid"] is not True:
                    lines.append(f"  {check['name']}: {json.dumps(check['valid'])}")
                    lines.append(f"    evidence: {json.dumps(check['evidence'])}")
            lines.append("")
            lines.append(failed.summary)
            return "\n".join(lines)
        if isinstance(excinfo.value, radloop.RadloopError):
            return f"{self.path}: {excinfo.value}"
        return super().repr_failure(excinfo, style)

    def reportinfo(self):
        return self.path, 0, f"scenario: {self.name}"


# Fixtures for tests written in Python against the same parts the scenarios use.


@pytest.fixture()
def ehr():
    """A simulated EHR (ADT, orders; files the reports it receives)."""
    simulator = radloop.Ehr()
    yield simulator
    simulator.stop()


@pytest.fixture()
def ris():
    """A simulated RIS (accessions the orders it receives, signs reports)."""
    simulator = radloop.Ris()
    yield simulator
    simulator.stop()


@pytest.fixture()
def pipeline(tmp_path, ehr, ris):
    """The reference pipeline on ephemeral loopback ports, storing images under tmp_path, routing
    orders to the ``ris`` fixture and reports to the ``ehr`` fixture, both of which send to it."""
    with radloop.running_pipeline(storage_dir=str(tmp_path / "images"), ris_port=ris.port, ehr_port=ehr.port) as running:
        ehr.connect("127.0.0.1", running.mllp_port)
        ris.connect("127.0.0.1", running.mllp_port)
        yield running


@pytest.fixture()
def modality(tmp_path):
    """A simulated modality; ``modality.acquire(...)`` performs an exam against a DICOM peer."""
    return radloop.Modality(work_dir=str(tmp_path / "modality"))


@pytest.fixture()
def history():
    """A history to record a custom test's operations into, as the scenario runner does."""
    return radloop.History()
