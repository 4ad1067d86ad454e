"""The pytest plugin: scenario files as test items, and the fixtures for tests in Python.

Each test runs pytest in a subprocess on files written here, as a user of the plugin would."""

from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

PASSING = """
scenario: echo_ok
steps:
  - name: the system answers C-ECHO
    dicom_echo: {calling_ae: CT_SCANNER_1}
    expect: {status: success}
"""

FAILING = """
scenario: ack_expected_wrongly
steps:
  - name: a well-formed ADT, with AR expected (it is accepted)
    hl7_send:
      message: |
        MSH|^~\\&|EHR|GENERAL|RADLOOP|RADIOLOGY|20260101120000||ADT^A04^ADT_A01|PLUGIN-1|P|2.5.1
        EVN|A04|20260101120000
        PID|1||MRN9^^^GENERAL^MR||DOE^JANE||19800101|F
        PV1|1|O
    expect: {ack: AR}
"""


def run_pytest(folder: Path, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    build = Path(env.get("RADLOOP_BUILD_DIR", Path(__file__).resolve().parents[2] / "build" / "asan")).resolve()
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(build / "python"), env.get("PYTHONPATH", "")]))
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "radloop.pytest_plugin", "-p", "no:cacheprovider", "-q", "--rootdir",
         str(folder), str(folder), *args],
        capture_output=True, text=True, timeout=300, env=env, cwd=folder,
    )


@pytest.fixture()
def suite(tmp_path):
    (tmp_path / "echo_ok.yaml").write_text(PASSING)
    (tmp_path / "wrong.yaml").write_text(FAILING)
    (tmp_path / "not_a_scenario.yaml").write_text("just: config\n")  # left alone
    return tmp_path


def test_each_scenario_file_is_an_item_and_a_failure_names_its_checks(suite):
    done = run_pytest(suite, f"--junitxml={suite / 'junit.xml'}")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "1 failed, 1 passed" in done.stdout
    assert "wrong.yaml::ack_expected_wrongly" in done.stdout
    assert "expectations: false" in done.stdout and "evidence" in done.stdout
    cases = ET.parse(suite / "junit.xml").getroot().iter("testcase")
    outcome = {case.get("name"): [child.tag for child in case] for case in cases}
    assert outcome["echo_ok"] == [] or "failure" not in outcome["echo_ok"]
    assert "failure" in outcome["ack_expected_wrongly"]


def test_k_selects_and_x_stops(suite):
    selected = run_pytest(suite, "-k", "echo_ok")
    assert selected.returncode == 0, selected.stdout + selected.stderr
    assert "1 passed, 1 deselected" in selected.stdout
    stopped = run_pytest(suite, "-x", "-n", "0")
    assert stopped.returncode == 1
    assert "stopping after 1 failures" in stopped.stdout


def test_runs_in_parallel_with_xdist(suite):
    done = run_pytest(suite, "-n", "2")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "1 failed, 1 passed" in done.stdout


CUSTOM_TEST = '''
import time


def test_an_exam_from_order_to_chart(pipeline, ehr, ris, modality, history):
    history.append("EHR", "invoke", "order", {"placer": "PY1"})
    assert ehr.register("MRN77", family="DOE", given="JANE")["ack"] == "AA"
    sent = ehr.order("PY1", "MRN77")
    history.append("EHR", "ok" if sent["ack"] == "AA" else "fail", "order", sent)
    [order] = ris.wait_for_orders(1)
    exam = modality.acquire("127.0.0.1", pipeline.dicom_port, accession=order["accession"], instances=2)
    assert exam["accepted"] == 2 and exam["truth"]["patient_id"] == "MRN77"
    study = pipeline.study(exam["study_uid"])
    assert study["state"] == "linked" and study["linked_accession"] == order["accession"]
    assert ris.report(order["accession"], status="F")["ack"] == "AA"
    deadline = time.monotonic() + 10
    while not any(c["status"] == "F" and c["answered"] == "AA" for c in ehr.chart()):
        assert time.monotonic() < deadline, "the report never reached the chart"
        time.sleep(0.05)
    assert [op["type"] for op in history.operations] == ["invoke", "ok"]
'''


def test_fixtures_drive_a_whole_exam(tmp_path):
    (tmp_path / "test_custom.py").write_text(CUSTOM_TEST)
    done = run_pytest(tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 passed" in done.stdout
