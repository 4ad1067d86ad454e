"""The two front ends run the same job: the C++ radloop CLI and python -m radloop."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import types

import pytest

from locations import BUILD_DIR
from pipeline_peers import dcmtk_storescp, free_port


def test_cli_runs_the_smoke_scenario(radloop_cli, root, tmp_path):
    report = tmp_path / "report.json"
    history = tmp_path / "history.jsonl"
    result = subprocess.run(
        [str(radloop_cli), "run", str(root / "scenarios" / "happy" / "smoke.yaml"), "--report", str(report), "--history",
         str(history)],
        capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "verdict: PASS" in result.stdout
    assert json.loads(report.read_text())["valid"] is True
    lines = [json.loads(line) for line in history.read_text().splitlines()]
    # Six steps (an invoke and a completion each), then the simulated RIS accessioning the order.
    assert len(lines) == 14 and lines[0]["type"] == "invoke"
    assert lines[-1]["process"] == "RIS accessions order PLC1001" and lines[-1]["value"]["ack"] == "AA"


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


@contextlib.contextmanager
def cli_pipeline(radloop_cli, *args: str):
    """`radloop pipeline ARGS` for the block: .ports from its ready line; .out (its summary) and
    .returncode once the block has ended and it was told to stop."""
    # Its default store is a file in the working directory: a scratch one, never the checkout.
    cwd = tempfile.mkdtemp(prefix="radloop-cli-")
    proc = subprocess.Popen([str(radloop_cli), "pipeline", *args], stdout=subprocess.PIPE, text=True, cwd=cwd)
    daemon = types.SimpleNamespace(ports=dict(item.split("=") for item in proc.stdout.readline().split()[1:]),
                                   out="", returncode=None)
    try:
        yield daemon
    finally:
        proc.terminate()
        daemon.out, _ = proc.communicate(timeout=30)
        daemon.returncode = proc.returncode
        shutil.rmtree(cwd, ignore_errors=True)


def test_cli_pipeline_serves_until_told_to_stop(radloop_cli, tmp_path):
    proc = subprocess.Popen([str(radloop_cli), "pipeline"], stdout=subprocess.PIPE, text=True, cwd=tmp_path)
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
    assert (tmp_path / "radloop.db").is_file(), "without --store the store is radloop.db in the working directory"


def test_cli_pipeline_keeps_a_memory_store_only_when_asked_and_warns(radloop_cli, tmp_path):
    proc = subprocess.Popen([str(radloop_cli), "pipeline", "--store", ":memory:"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=tmp_path)
    try:
        assert proc.stdout.readline().startswith("ready")
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=30)
    assert "the store is in memory" in err and "lost when the daemon stops" in err, err
    assert not (tmp_path / "radloop.db").exists()


def test_cli_pipeline_stores_and_answers_queries_about_what_it_stored(radloop_cli, tmp_path):
    from test_dicom_interop import write_ct_with_pydicom
    from locations import peer

    sent = write_ct_with_pydicom(tmp_path / "ct.dcm")
    with cli_pipeline(radloop_cli, "--storage-dir", str(tmp_path / "storage"), "--durability", "file",
                      "--ae-title", "ARCHIVE") as daemon:
        port = daemon.ports["dicom"]
        stored = subprocess.run([peer("storescu"), "-aec", "ARCHIVE", "127.0.0.1", port, str(tmp_path / "ct.dcm")],
                                capture_output=True, text=True, timeout=60)
        assert stored.returncode == 0, stored.stderr
        found = subprocess.run([peer("findscu"), "-S", "-aec", "ARCHIVE", "-k", "QueryRetrieveLevel=STUDY",
                                "-k", f"StudyInstanceUID={sent.StudyInstanceUID}", "-k", "PatientID",
                                "127.0.0.1", port, "-v"], capture_output=True, text=True, timeout=60)
        assert found.returncode == 0, found.stderr
        assert "MRN777" in found.stdout + found.stderr
    assert daemon.returncode == 0
    assert "1 instances stored" in daemon.out
    assert "1 queries" in daemon.out
    assert (tmp_path / "storage" / sent.StudyInstanceUID / sent.SeriesInstanceUID / f"{sent.SOPInstanceUID}.dcm").exists()


def test_cli_pipeline_refuses_a_malformed_commitment_peer(radloop_cli):
    result = subprocess.run([str(radloop_cli), "pipeline", "--commitment-peer", "MODALITY@host"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert '"MODALITY@host" is not AE@host:port' in result.stderr


def test_python_dash_m_radloop_runs_the_smoke_scenario(root):
    env = dict(os.environ, PYTHONPATH=str(BUILD_DIR / "python"))
    result = subprocess.run([sys.executable, "-m", "radloop", "run", str(root / "scenarios" / "happy" / "smoke.yaml")],
                            capture_output=True, text=True, timeout=120, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "verdict: PASS" in result.stdout


def test_cli_sim_modality_sends_an_exam_with_a_fault_and_logs_the_truth(radloop_cli, tmp_path):
    events = tmp_path / "events.jsonl"
    with cli_pipeline(radloop_cli, "--storage-dir", str(tmp_path / "storage")) as daemon:
        sent = subprocess.run([str(radloop_cli), "sim", "modality", "send", "--port", daemon.ports["dicom"],
                               "--instances", "3", "--associations", "2", "--accession", "ACC1234",
                               "--fault", "transpose_accession", "--commit", "--events", str(events)],
                              capture_output=True, text=True, timeout=120)
        assert sent.returncode == 0, sent.stderr
        assert "accession ACC1234 (sent as MRN0001 / ACC2134): 3 instance(s), 3 accepted" in sent.stdout
        assert "commitment: 3 committed, 0 failed" in sent.stdout
    assert "3 instances stored" in daemon.out and "1 MPPS created, 1 updated" in daemon.out
    log = [json.loads(line) for line in events.read_text().splitlines()]
    stores = [e for e in log if e["action"] == "store"]
    assert len(stores) == 3
    assert all(e["truth"]["accession_number"] == "ACC1234" and e["sent"]["accession_number"] == "ACC2134"
               and e["status"] == "0x0000" for e in stores)


def test_cli_sim_modality_reports_a_refused_exam_with_exit_1(radloop_cli, tmp_path):
    with cli_pipeline(radloop_cli, "--storage-dir", str(tmp_path / "storage")) as daemon:
        sent = subprocess.run([str(radloop_cli), "sim", "modality", "send", "--port", daemon.ports["dicom"],
                               "--fault", "called_ae_wrong_case"], capture_output=True, text=True, timeout=120)
    assert sent.returncode == 1
    assert "0 accepted" in sent.stdout and "1 not sent" in sent.stdout
    bad = subprocess.run([str(radloop_cli), "sim", "modality", "send", "--port", "1", "--fault", "lose_it"],
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode == 3
    assert 'unknown fault "lose_it"' in bad.stderr


def test_cli_sim_modality_sends_to_dcmtk_storescp(radloop_cli, tmp_path):
    out = tmp_path / "received"
    out.mkdir()
    # +xa: storescp takes compressed syntaxes too (by default it refuses them).
    with dcmtk_storescp(radloop_cli, out, "+xa") as port:
        sent = subprocess.run([str(radloop_cli), "sim", "modality", "send", "--port", str(port), "--called-ae",
                               "DCMTKSCP", "--modality", "MR", "--series", "2", "--instances", "2",
                               "--transfer-syntax", "jpeg-ls", "--fault", "no_mpps"],
                              capture_output=True, text=True, timeout=120)
    assert sent.returncode == 0, sent.stdout + sent.stderr
    assert len(list(out.iterdir())) == 4


@pytest.mark.parametrize("options", [("+xi",), (), ("+xa",)], ids=["implicit-only", "default", "accept-all"])
@pytest.mark.parametrize("syntax", ["explicit", "jpeg-ls", "rle"])
def test_cli_sim_modality_stores_every_instance_whatever_syntaxes_storescp_accepts(radloop_cli, tmp_path, options,
                                                                                  syntax):
    # +xi takes Implicit VR Little Endian only, the one syntax every storage SCP must accept: an
    # instance it does not take as it is goes out converted, never "context refused".
    out = tmp_path / "received"
    out.mkdir()
    with dcmtk_storescp(radloop_cli, out, *options) as port:
        sent = subprocess.run([str(radloop_cli), "sim", "modality", "send", "--port", str(port), "--called-ae",
                               "DCMTKSCP", "--instances", "3", "--transfer-syntax", syntax, "--fault", "no_mpps"],
                              capture_output=True, text=True, timeout=120)
    assert sent.returncode == 0, sent.stdout + sent.stderr
    assert "3 accepted" in sent.stdout, sent.stdout
    assert len(list(out.iterdir())) == 3


def test_cli_sim_modality_deals_instances_round_robin_to_storescp(radloop_cli, tmp_path):
    """Three concurrent associations, instances dealt out in turn; the event log names each one's."""
    out = tmp_path / "received"
    out.mkdir()
    events = tmp_path / "events.jsonl"
    with dcmtk_storescp(radloop_cli, out) as port:
        sent = subprocess.run([str(radloop_cli), "sim", "modality", "send", "--port", str(port), "--called-ae",
                               "DCMTKSCP", "--instances", "6", "--associations", "3", "--split", "round_robin",
                               "--fault", "no_mpps", "--events", str(events)],
                              capture_output=True, text=True, timeout=120)
    assert sent.returncode == 0, sent.stdout + sent.stderr
    assert len(list(out.iterdir())) == 6
    log = [json.loads(line) for line in events.read_text().splitlines()]
    assert len([e for e in log if e["action"] == "association"]) == 3
    assert len([e for e in log if e["action"] == "store" and e["status"] == "0x0000"]) == 6
    bad = subprocess.run([str(radloop_cli), "sim", "modality", "send", "--port", "1", "--split", "striped"],
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode != 0
    assert "striped" in bad.stderr


def test_cli_sim_modality_queries_dcmtk_wlmscpfs(radloop_cli, tmp_path):
    """The worklist side against DCMTK's file-based worklist server."""
    from locations import peer

    worklists = tmp_path / "worklists" / "WLSCP"
    worklists.mkdir(parents=True)
    (worklists / "order.dump").write_text("\n".join([
        '(0008,0005) CS [ISO_IR 100]',
        '(0008,0050) SH [ACC555]',
        '(0010,0010) PN [MOUSTIQUE^ANNE]',
        '(0010,0020) LO [MRN555]',
        '(0010,0030) DA [19800101]',
        '(0010,0040) CS [F]',
        '(0020,000d) UI [1.2.826.0.1.3680043.9.7433.55.1]',
        '(0032,1060) LO [CT HEAD]',
        '(0040,0100) SQ',
        '(fffe,e000) -',
        '(0008,0060) CS [CT]',
        '(0040,0001) AE [CT_SCANNER_1]',
        '(0040,0002) DA [20260301]',
        '(0040,0003) TM [090000]',
        '(0040,0007) LO [CT HEAD]',  # wlmscpfs ignores an item without it as incomplete
        '(0040,0009) SH [SPS555]',
        '(fffe,e00d) -',
        '(fffe,e0dd) -',
        '(0040,1001) SH [RP555]',
    ]) + "\n")
    made = subprocess.run([peer("dump2dcm"), str(worklists / "order.dump"), str(worklists / "order.wl")],
                          capture_output=True, text=True, timeout=60)
    assert made.returncode == 0, made.stderr
    (worklists / "order.dump").unlink()
    (worklists / "lockfile").write_text("")
    port = free_port()
    scp = subprocess.Popen([peer("wlmscpfs"), "-dfp", str(tmp_path / "worklists"), str(port)],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            found = subprocess.run([str(radloop_cli), "sim", "modality", "worklist", "--port", str(port),
                                    "--called-ae", "WLSCP", "--modality", "CT"], capture_output=True, text=True,
                                   timeout=60)
            if found.returncode == 0:
                break
            time.sleep(0.05)
        none = subprocess.run([str(radloop_cli), "sim", "modality", "worklist", "--port", str(port), "--called-ae",
                               "WLSCP", "--modality", "MR"], capture_output=True, text=True, timeout=60)
    finally:
        scp.terminate()
        scp.wait(timeout=30)
    assert found.returncode == 0, found.stderr
    assert "accession=ACC555\tpatient=MRN555\tname=MOUSTIQUE^ANNE\tmodality=CT\tstation=CT_SCANNER_1" in found.stdout
    assert "1 item(s)" in found.stdout
    assert "0 item(s)" in none.stdout


def test_cli_lists_and_runs_a_folder_of_scenarios(radloop_cli, root, tmp_path):
    listed = subprocess.run([str(radloop_cli), "list", str(root / "scenarios")], capture_output=True, text=True,
                            timeout=60)
    assert listed.returncode == 0, listed.stderr
    files = [line.rsplit("(", 1)[1].rstrip(")") for line in listed.stdout.splitlines()]
    assert files == sorted(files), "one line per file, in a stable order"
    assert {"smoke", "order_to_chart"} <= {line.split()[0] for line in listed.stdout.splitlines()}
    ran = subprocess.run([str(radloop_cli), "run", "-q", str(root / "scenarios"), "--report", str(tmp_path / "out")],
                         capture_output=True, text=True, timeout=300)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert (tmp_path / "out" / "smoke-report.json").exists()
    assert (tmp_path / "out" / "order_to_chart-report.json").exists()
    missing = subprocess.run([str(radloop_cli), "list", str(tmp_path / "nowhere")], capture_output=True, text=True,
                             timeout=60)
    assert missing.returncode == 3 and "no such file or folder" in missing.stderr


def scenario_names(stdout: str) -> list[str]:
    return [line.split()[1] for line in stdout.splitlines() if line.startswith("scenario ")]


def test_cli_shards_split_a_suite_into_disjoint_parts_that_cover_it(radloop_cli, root):
    happy = str(root / "scenarios" / "happy")
    everything = scenario_names(subprocess.run([str(radloop_cli), "run", "-q", happy], capture_output=True, text=True,
                                               timeout=300).stdout)
    parts = []
    for k in (1, 2, 3):
        done = subprocess.run([str(radloop_cli), "run", "-q", happy, "--shard", f"{k}/3"], capture_output=True,
                              text=True, timeout=300)
        assert done.returncode == 0, done.stdout + done.stderr
        parts.append(scenario_names(done.stdout))
    assert sorted(sum(parts, [])) == sorted(everything) and len(everything) == 6
    assert all(len(p) == 2 for p in parts)
    again = subprocess.run([str(radloop_cli), "run", "-q", happy, "--shard", "2/3"], capture_output=True, text=True,
                           timeout=300)
    assert scenario_names(again.stdout) == parts[1], "the same shard holds the same files every time"
    bad = subprocess.run([str(radloop_cli), "run", happy, "--shard", "4/3"], capture_output=True, text=True, timeout=60)
    assert bad.returncode == 3 and "--shard" in bad.stderr


def test_cli_runs_scenarios_in_parallel_processes_and_merges_their_reports(radloop_cli, root, tmp_path):
    out = tmp_path / "out"
    done = subprocess.run([str(radloop_cli), "run", "-q", "-j", "2", str(root / "scenarios" / "happy"), "--report",
                           str(out)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert len(scenario_names(done.stdout)) == 6
    reports = sorted(p.name for p in out.glob("*-report.json"))
    assert len(reports) == 6 and "smoke-report.json" in reports
    junit = (out / "junit.xml").read_text()
    assert junit.count("<testcase") == 6 and "<failure" not in junit
    assert (out / "index.html").exists()
    # A failing scenario in one process fails the whole run.
    broken = subprocess.run([str(radloop_cli), "run", "-q", "-j", "2", str(root / "scenarios" / "delivery"), "--break",
                             "no_retry", "--max-wait", "1", "--report", str(tmp_path / "broken")],
                            capture_output=True, text=True, timeout=300)
    assert broken.returncode == 1, broken.stdout + broken.stderr


def test_cli_refuses_parallel_runs_against_one_external_system(radloop_cli, root, tmp_path):
    sut = tmp_path / "sut.yaml"
    sut.write_text("name: x\nhl7: {host: 127.0.0.1, port: 1}\ndicom: {host: 127.0.0.1, port: 2, ae_title: X}\n")
    done = subprocess.run([str(radloop_cli), "run", "-j", "2", str(root / "scenarios" / "happy"), "--sut", str(sut)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 3 and "one scenario at a time" in done.stderr


def test_cli_runs_against_the_reference_started_as_a_process(radloop_cli, root, tmp_path):
    done = subprocess.run([str(radloop_cli), "run", "-q", "--sut", "process", "--report", str(tmp_path / "out"),
                           str(root / "scenarios" / "happy" / "smoke.yaml"),
                           str(root / "scenarios" / "network" / "reset_mid_frame.yaml")],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    for name in ("smoke", "reset_mid_frame"):
        report = json.loads((tmp_path / "out" / f"{name}-report.json").read_text())
        assert report["system"] == {**report["system"], "kind": "endpoints", "name": "reference process"}
        assert report["id_suffix"], "a process keeps data between scenarios: each runs in a namespace"
        assert report["valid"] is True
