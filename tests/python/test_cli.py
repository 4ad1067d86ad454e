"""The two front ends run the same job: the C++ radloop CLI and python -m radloop."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from conftest import BUILD_DIR


def test_cli_runs_the_smoke_scenario(radloop_cli, root, tmp_path):
    report = tmp_path / "report.json"
    history = tmp_path / "history.jsonl"
    result = subprocess.run(
        [str(radloop_cli), "run", str(root / "scenarios" / "smoke.yaml"), "--report", str(report), "--history",
         str(history)],
        capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "verdict: PASS" in result.stdout
    assert json.loads(report.read_text())["valid"] is True
    lines = [json.loads(line) for line in history.read_text().splitlines()]
    assert len(lines) == 12 and lines[0]["type"] == "invoke"


def test_cli_exit_code_says_invalid(radloop_cli, tmp_path):
    scenario = tmp_path / "wrong.yaml"
    scenario.write_text("scenario: wrong\nsteps:\n  - dicom_echo: {called_ae: NOBODY}\n    expect: {status: success}\n")
    result = subprocess.run([str(radloop_cli), "run", str(scenario), "--report", str(tmp_path / "r.json")],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "verdict: FAIL" in result.stdout


def test_cli_rejects_an_invalid_scenario_with_a_sentence(radloop_cli, tmp_path):
    scenario = tmp_path / "broken.yaml"
    scenario.write_text("scenario: [unclosed\n")
    result = subprocess.run([str(radloop_cli), "run", str(scenario)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 3
    assert "The scenario file is invalid" in result.stderr
    assert "broken.yaml" in result.stderr


def test_cli_pipeline_serves_until_told_to_stop(radloop_cli):
    proc = subprocess.Popen([str(radloop_cli), "pipeline"], stdout=subprocess.PIPE, text=True)
    try:
        ready = proc.stdout.readline().split()
        assert ready[0] == "ready", ready
        ports = dict(item.split("=") for item in ready[1:])
        echo = subprocess.run([str(radloop_cli), "echo", "--port", ports["dicom"], "--called-ae", ports["ae"]],
                              capture_output=True, text=True, timeout=60)
        assert echo.returncode == 0, echo.stderr
        assert "status 0x0000" in echo.stdout
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0
    assert "1 C-ECHO answered" in out


def test_cli_pipeline_stores_and_answers_queries_about_what_it_stored(radloop_cli, tmp_path):
    from test_dicom_interop import write_ct_with_pydicom
    from conftest import peer

    sent = write_ct_with_pydicom(tmp_path / "ct.dcm")
    proc = subprocess.Popen([str(radloop_cli), "pipeline", "--storage-dir", str(tmp_path / "storage"),
                             "--durability", "file", "--ae-title", "ARCHIVE"], stdout=subprocess.PIPE, text=True)
    try:
        ports = dict(item.split("=") for item in proc.stdout.readline().split()[1:])
        stored = subprocess.run([peer("storescu"), "-aec", "ARCHIVE", "127.0.0.1", ports["dicom"], str(tmp_path / "ct.dcm")],
                                capture_output=True, text=True, timeout=60)
        assert stored.returncode == 0, stored.stderr
        found = subprocess.run([peer("findscu"), "-S", "-aec", "ARCHIVE", "-k", "QueryRetrieveLevel=STUDY",
                                "-k", f"StudyInstanceUID={sent.StudyInstanceUID}", "-k", "PatientID",
                                "127.0.0.1", ports["dicom"], "-v"], capture_output=True, text=True, timeout=60)
        assert found.returncode == 0, found.stderr
        assert "MRN777" in found.stdout + found.stderr
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0
    assert "1 instances stored" in out
    assert "1 queries" in out
    assert (tmp_path / "storage" / sent.StudyInstanceUID / sent.SeriesInstanceUID / f"{sent.SOPInstanceUID}.dcm").exists()


def test_cli_pipeline_refuses_a_malformed_commitment_peer(radloop_cli):
    result = subprocess.run([str(radloop_cli), "pipeline", "--commitment-peer", "MODALITY@host"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert '"MODALITY@host" is not AE@host:port' in result.stderr


def test_python_dash_m_radloop_runs_the_smoke_scenario(root):
    env = dict(os.environ, PYTHONPATH=str(BUILD_DIR / "python"))
    result = subprocess.run([sys.executable, "-m", "radloop", "run", str(root / "scenarios" / "smoke.yaml")],
                            capture_output=True, text=True, timeout=120, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "verdict: PASS" in result.stdout
