"""radloop run --sut ENDPOINTS: a scenario against a system radloop did not start, seen only
through what the endpoints file names. The reference pipeline as a separate process (the path a
vendor's system takes) passes; with nothing to observe, or against a plain DCMTK storescp that
stores but reconciles nothing, the verdict is unknown or failed, with the reason — never a pass."""

from __future__ import annotations

import json
import subprocess
import textwrap

import pytest

from pipeline_peers import Daemon, dcmtk_storescp, free_port


def endpoints(tmp_path, name, hl7_port, dicom_port, ae, ris_port, ehr_port, observe: str) -> str:
    path = tmp_path / f"{name}.yaml"
    path.write_text(textwrap.dedent(f"""
        name: {name}
        hl7: {{host: 127.0.0.1, port: {hl7_port}}}
        dicom: {{host: 127.0.0.1, port: {dicom_port}, ae_title: {ae}}}
        routes: {{ris: {{port: {ris_port}}}, ehr: {{port: {ehr_port}}}}}
        {observe}
    """))
    return str(path)


@pytest.fixture()
def reference_process(radloop_cli, tmp_path):
    """`radloop pipeline` as its own process, sending to fixed ports where the run's RIS and EHR listen."""
    ris_port, ehr_port = free_port(), free_port()
    (tmp_path / "images").mkdir()
    daemon = Daemon(radloop_cli, "--store", str(tmp_path / "radloop.db"), "--storage-dir", str(tmp_path / "images"),
                    "--ris", f"127.0.0.1:{ris_port}", "--ehr", f"127.0.0.1:{ehr_port}", "--http-port", "0").start()
    yield daemon, ris_port, ehr_port
    daemon.stop()


def run(radloop_cli, root, scenario, sut, report, *extra):
    done = subprocess.run([str(radloop_cli), "run", str(scenario), "--sut", sut, "--report", str(report), "-q",
                           *extra], capture_output=True, text=True, timeout=180)
    return done, json.loads(report.read_text()) if report.exists() else None


def test_the_reference_as_a_process_passes_through_its_portal(radloop_cli, root, tmp_path, reference_process):
    daemon, ris_port, ehr_port = reference_process
    sut = endpoints(tmp_path, "reference process", daemon.mllp, daemon.dicom, "RADLOOP", ris_port, ehr_port,
                    f"observe: {{radloop_api: 'http://127.0.0.1:{daemon.http}', c_find: true}}")
    done, report = run(radloop_cli, root, root / "scenarios" / "happy" / "ct_worklist.yaml", sut,
                       tmp_path / "r.json")
    assert done.returncode == 0, done.stdout + done.stderr
    assert report["valid"] is True
    assert report["system"]["kind"] == "endpoints" and report["system"]["name"] == "reference process"
    assert {c["name"]: c["valid"] for c in report["checks"]} == dict.fromkeys(
        ["expectations", "no_silent_loss", "idempotence", "no_wrong_patient", "everything_lands",
         "reports_reach_chart"], True)


def test_with_nothing_to_observe_the_verdict_is_unknown_and_says_why(radloop_cli, root, tmp_path, reference_process):
    daemon, ris_port, ehr_port = reference_process
    sut = endpoints(tmp_path, "blind", daemon.mllp, daemon.dicom, "RADLOOP", ris_port, ehr_port, "")
    done, report = run(radloop_cli, root, root / "scenarios" / "happy" / "mr_worklist.yaml", sut, tmp_path / "r.json")
    assert done.returncode != 0, "an unknown verdict is not a pass"
    assert report["valid"] == "unknown"
    checks = {c["name"]: c for c in report["checks"]}
    for name in ("no_silent_loss", "idempotence", "no_wrong_patient", "everything_lands"):
        assert checks[name]["valid"] == "unknown", name
    assert "observe" in json.dumps(checks["everything_lands"]["evidence"])
    assert checks["reports_reach_chart"]["valid"] is True  # the EHR is ours: that much is seen


STORE_ONLY = """
scenario: store_only
seed: 77
actors:
  modalities:
    CT_A: {modality: CT, worklist: false}
steps:
  - name: a study typed at the console, sent to the archive
    modality.acquire: {modality: CT_A, worklist: false, mrn: MRN77, accession: ACC77, study: S, faults: [no_mpps]}
    expect: {status: success}
  - name: the archive links it to its order
    sut.study: {study: S, within: 2}
    expect: {state: linked}
  - name: the EHR registers the patient
    ehr.register: {mrn: MRN77, family: DOE}
    expect: {ack: AA}
"""


def test_a_plain_storescp_stores_but_never_passes(radloop_cli, tmp_path):
    (tmp_path / "in").mkdir()
    with dcmtk_storescp(radloop_cli, tmp_path / "in", ae="ARCHIVE") as port:
        scenario = tmp_path / "store_only.yaml"
        scenario.write_text(STORE_ONLY)
        sut = endpoints(tmp_path, "storescp", free_port(), port, "ARCHIVE", free_port(), free_port(),
                        "observe: {c_find: true}")
        done, report = run(radloop_cli, None, scenario, sut, tmp_path / "r.json")
    assert done.returncode != 0
    assert report["valid"] is False
    checks = {c["name"]: c for c in report["checks"]}
    # The images were stored...
    assert list((tmp_path / "in").iterdir()), "storescp kept nothing"
    steps = {e["name"]: e for e in checks["expectations"]["evidence"]}
    assert steps["a study typed at the console, sent to the archive"]["valid"] is True
    # ...but nothing says where they landed, and nobody takes HL7: failures and unknowns, each with why.
    assert steps["the EHR registers the patient"]["valid"] is False
    assert checks["everything_lands"]["valid"] == "unknown"
    assert "Study Root C-FIND" in json.dumps(checks["everything_lands"]["evidence"])
    assert checks["no_wrong_patient"]["valid"] == "unknown"


def test_c_find_alone_shows_how_a_study_is_filed_but_not_its_link(radloop_cli, root, tmp_path, reference_process):
    daemon, ris_port, ehr_port = reference_process
    sut = endpoints(tmp_path, "c-find only", daemon.mllp, daemon.dicom, "RADLOOP", ris_port, ehr_port,
                    "observe: {c_find: true}")
    done, report = run(radloop_cli, root, root / "scenarios" / "happy" / "cr_worklist.yaml", sut, tmp_path / "r.json")
    checks = {c["name"]: c for c in report["checks"]}
    # Filed under the right patient, as Study Root C-FIND answers...
    assert checks["no_wrong_patient"]["valid"] is True, checks["no_wrong_patient"]
    assert checks["no_wrong_patient"]["evidence"][0]["shown"]["patient_id"] == "MRN1021" + report["id_suffix"]
    # ...but whether it is linked to its order, C-FIND cannot say.
    assert checks["everything_lands"]["valid"] == "unknown"
    assert "no link" in json.dumps(checks["everything_lands"]["evidence"])
    assert report["valid"] == "unknown" and done.returncode != 0


def test_runs_against_a_system_that_keeps_data_do_not_meet(radloop_cli, root, tmp_path, reference_process):
    """Both files accession ACC1000, for different patients. Against one long-lived system each run's
    identifiers get their own suffix, so both pass; without it, the second meets the first."""
    daemon, ris_port, ehr_port = reference_process
    sut = endpoints(tmp_path, "kept", daemon.mllp, daemon.dicom, "RADLOOP", ris_port, ehr_port,
                    f"observe: {{radloop_api: 'http://127.0.0.1:{daemon.http}'}}")
    happy = root / "scenarios" / "happy"
    reports = tmp_path / "auto"
    done = subprocess.run([str(radloop_cli), "run", str(happy / "ct_worklist.yaml"), str(happy / "mr_worklist.yaml"),
                           "--sut", sut, "--report", str(reports), "-q"], capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stdout + done.stderr
    suffixes = {json.loads(f.read_text())["id_suffix"] for f in reports.glob("*-report.json")}
    assert len(suffixes) == 2 and all(len(x) == 5 and x.isalpha() and x.isupper() for x in suffixes), suffixes

    first, _ = run(radloop_cli, root, happy / "ct_worklist.yaml", sut, tmp_path / "ct.json", "--namespace", "none")
    assert first.returncode == 0, first.stdout + first.stderr
    second, report = run(radloop_cli, root, happy / "mr_worklist.yaml", sut, tmp_path / "mr.json",
                         "--namespace", "none")
    assert second.returncode != 0 and report["valid"] is False, second.stdout
    assert report["id_suffix"] == ""
    failed = [e for e in {c["name"]: c for c in report["checks"]}["expectations"]["evidence"] if e["valid"] is False]
    assert failed, "the second run should have met the first one's ACC1000"


def test_a_namespace_that_is_not_one_is_refused(radloop_cli, root, tmp_path):
    done = subprocess.run([str(radloop_cli), "run", str(root / "scenarios" / "happy" / "smoke.yaml"), "--namespace",
                           "abc"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 3 and "--namespace" in done.stderr and "five capital letters" in done.stderr


def test_qido_rs_shows_how_a_study_is_filed_but_not_its_link(radloop_cli, root, tmp_path, reference_process):
    daemon, ris_port, ehr_port = reference_process
    sut = endpoints(tmp_path, "qido only", daemon.mllp, daemon.dicom, "RADLOOP", ris_port, ehr_port,
                    f"observe: {{qido_rs: 'http://127.0.0.1:{daemon.http}/dicomweb'}}")
    done, report = run(radloop_cli, root, root / "scenarios" / "happy" / "mr_worklist.yaml", sut, tmp_path / "r.json")
    checks = {c["name"]: c for c in report["checks"]}
    # Filed under the right patient, with every instance, as QIDO-RS answers...
    assert checks["no_wrong_patient"]["valid"] is True, checks["no_wrong_patient"]
    shown = checks["no_wrong_patient"]["evidence"][0]["shown"]
    assert shown["patient_id"] == "MRN1011" + report["id_suffix"]
    # ...but whether it is linked to its order, QIDO-RS cannot say.
    assert checks["everything_lands"]["valid"] == "unknown"
    assert "no link" in json.dumps(checks["everything_lands"]["evidence"])
    assert report["valid"] == "unknown" and done.returncode != 0
