"""kill -9 in the middle of a study and of an ORU burst, then a restart on the same store: nothing
that was ACKed or answered C-STORE success is lost, and nothing reaches the EHR twice under two
control IDs (a message sent again after the crash keeps its control ID, as the receiver expects)."""

from __future__ import annotations

import contextlib
import re
import sqlite3
import subprocess
import threading
from collections import defaultdict

import hl7
import pydicom
from pydicom.uid import generate_uid

from locations import peer
from pipeline_peers import ack_code, ct_image, daemon_for, free_port, oru, ris_order, send_hl7, until


def acknowledged_files(output: str) -> set[str]:
    """Files storescu was answered Success for, from its -v log."""
    done, current = set(), None
    for line in output.splitlines():
        if m := re.search(r"Sending file: (.*)$", line):
            current = m.group(1).strip()
        elif "Received Store Response (Success)" in line and current:
            done.add(current)
            current = None
    return done


def indexed_instances(daemon, study_uid: str) -> set[str]:
    status, instances = daemon.get(f"/dicomweb/studies/{study_uid}/instances")
    assert status == 200, instances
    return {i["00080018"]["Value"][0] for i in instances}


def test_kill_9_in_the_middle_of_a_study_loses_no_instance_answered_success(radloop_cli, tmp_path, peers):
    ris, ehr = peers
    study_uid = generate_uid()
    series_uid = generate_uid()
    files, uids = [], {}
    for n in range(1, 121):
        path = ct_image(tmp_path / f"ct{n:03}.dcm", "MRN1", "GENERAL", "ACC1", study_uid, n, series_uid)
        files.append(str(path))
        uids[str(path)] = pydicom.dcmread(path).SOPInstanceUID
    daemon = daemon_for(radloop_cli, tmp_path, ris, ehr).start()
    sender = subprocess.Popen([peer("storescu"), "-v", "-aec", "RADLOOP", "127.0.0.1", str(daemon.dicom), *files],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    # Kill once part of the study is in: no earlier, no later.
    assert until(lambda: daemon.get("/health")[1].get("instances", 0) >= 20, timeout=60)
    daemon.kill9()
    output, _ = sender.communicate(timeout=60)
    acked = acknowledged_files(output)
    assert 20 <= len(acked) < len(files), f"the kill did not land mid-study ({len(acked)} answered)"

    daemon.start()
    try:
        indexed = indexed_instances(daemon, study_uid)
        lost = {uids[f] for f in acked} - indexed
        assert not lost, f"{len(lost)} instances answered Success are not indexed after the restart"
        stored_files = list((tmp_path / "images" / study_uid).rglob("*.dcm"))
        assert {uids[f] for f in acked} <= {p.stem for p in stored_files}
        # The modality sends the whole study again: every instance lands, none twice.
        again = subprocess.run([peer("storescu"), "-aec", "RADLOOP", "127.0.0.1", str(daemon.dicom), *files],
                               capture_output=True, text=True, timeout=120)
        assert again.returncode == 0, again.stderr
        assert indexed_instances(daemon, study_uid) == set(uids.values())
        status, studies = daemon.get(f"/dicomweb/studies?StudyInstanceUID={study_uid}")
        assert studies[0]["00201208"]["Value"] == [len(files)]
    finally:
        daemon.stop()


def test_kill_9_during_an_oru_burst_loses_no_acked_report_and_delivers_none_twice(radloop_cli, tmp_path, peers):
    ris, ehr = peers
    daemon = daemon_for(radloop_cli, tmp_path, ris, ehr).start()
    accessions = [f"ACC{n:03}" for n in range(60)]
    for n, accession in enumerate(accessions):
        assert ack_code(send_hl7(daemon.mllp, ris_order(f"R{n}", f"P{n}", accession))) == "AA"

    acked: list[tuple[str, str]] = []
    lock = threading.Lock()
    port = daemon.mllp

    def burst(part: int) -> None:
        for n, accession in enumerate(accessions):
            if n % 4 != part:
                continue
            for status in ("P", "F"):
                try:
                    ack = send_hl7(port, oru(f"U{accession}{status}", f"P{n}", accession, status, f"{status} read"))
                except OSError:
                    return  # the pipeline is gone; what was not ACKed may or may not be kept
                if ack_code(ack) == "AA":
                    with lock:
                        acked.append((accession, status))

    threads = [threading.Thread(target=burst, args=(part,)) for part in range(4)]
    for t in threads:
        t.start()
    assert until(lambda: len(acked) >= 30, timeout=60)
    daemon.kill9()
    for t in threads:
        t.join(timeout=60)
    assert 30 <= len(acked) < 2 * len(accessions), f"the kill did not land mid-burst ({len(acked)} ACKed)"

    daemon.start()
    try:
        def delivered() -> dict[tuple[str, str], set[str]]:
            seen = defaultdict(set)
            for text in ehr.received():
                m = hl7.parse(text)
                seen[(str(m.segment("OBR")[18]), str(m.segment("OBR")[25]))].add(str(m.segment("MSH")[10]))
            return seen

        assert until(lambda: set(acked) <= set(delivered()), timeout=60), \
            f"ACKed but never delivered: {sorted(set(acked) - set(delivered()))[:5]}"
        twice = {k: v for k, v in delivered().items() if len(v) > 1}
        assert not twice, f"delivered under two control IDs: {twice}"
        for accession, status in acked:
            code, bundle = daemon.get(f"/fhir/DiagnosticReport?identifier={accession}")
            assert code == 200
            statuses = {e["resource"]["status"] for e in bundle["entry"]}
            assert {"P": "preliminary", "F": "final"}[status] in statuses, (accession, status, statuses)
    finally:
        daemon.stop()
    # What the EHR got again after the crash was byte for byte the same message.
    by_control = defaultdict(set)
    for text in ehr.received():
        by_control[str(hl7.parse(text).segment("MSH")[10])].add(text)
    assert all(len(v) == 1 for v in by_control.values())


def test_kill_9_between_mpps_n_create_and_n_set_loses_no_step(radloop_cli, tmp_path, peers):
    """A step answered success is in the store before the answer: killed between the modality's
    N-CREATE and its N-SET, the daemon comes back knowing the step, takes the N-SET COMPLETED and
    completes the order (the step was kept in memory only, and the N-SET got 0x0112)."""
    ris, ehr = peers
    daemon = daemon_for(radloop_cli, tmp_path, ris, ehr).start()

    def mpps(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([str(radloop_cli), "sim", "modality", "mpps", "--port", str(daemon.dicom), *args],
                              capture_output=True, text=True, timeout=60)

    assert ack_code(send_hl7(daemon.mllp, ris_order("R1", "P1", "ACC1"))) == "AA"
    created = mpps("--action", "create", "--patient-id", "MRN1", "--accession", "ACC1")
    assert created.returncode == 0, created.stdout + created.stderr
    uid = created.stdout.split()[1].rstrip(":")
    daemon.kill9()

    daemon.start()
    try:
        completed = mpps("--action", "complete", "--uid", uid)
        assert completed.returncode == 0, completed.stdout + completed.stderr
        assert "status 0x0000" in completed.stdout
        status, bundle = daemon.get("/fhir/ServiceRequest?identifier=ACC1")
        assert bundle["entry"][0]["resource"]["status"] == "completed", bundle
        again = mpps("--action", "complete", "--uid", uid)
        assert again.returncode == 1 and "0x0110" in again.stdout, "a final step may no longer be updated"
    finally:
        daemon.stop()


def test_kill_9_while_a_commitment_report_is_owed_sends_it_after_the_restart(radloop_cli, tmp_path, peers):
    ris, ehr = peers
    report_port = free_port()
    daemon = daemon_for(radloop_cli, tmp_path, ris, ehr, "--commitment-reply", "new", "--commitment-peer",
                        f"MODALITY@127.0.0.1:{report_port}").start()
    # The modality asks for commitment but listens elsewhere: every call-back to report_port fails.
    asked = subprocess.run([str(radloop_cli), "sim", "modality", "send", "--port", str(daemon.dicom),
                            "--instances", "3", "--commit", "--commit-port", str(free_port()), "--timeout", "2"],
                           capture_output=True, text=True, timeout=120)
    assert "3 accepted" in asked.stdout, asked.stdout + asked.stderr
    assert "commitment: no report" in asked.stdout, asked.stdout
    daemon.kill9()

    daemon.start()
    try:
        # Owed from before the kill: the restarted archive calls back.
        got = subprocess.run([str(radloop_cli), "sim", "modality", "await-report", "--listen-port", str(report_port),
                              "--ae", "MODALITY", "--timeout", "60"], capture_output=True, text=True, timeout=120)
        assert got.returncode == 0, got.stdout + got.stderr
        assert "3 committed, 0 failed" in got.stdout, got.stdout
    finally:
        daemon.stop()
    # Answered once, and the store says so: a later start owes nothing.
    with contextlib.closing(sqlite3.connect(tmp_path / "radloop.db")) as db:
        rows = db.execute("SELECT state, outcome FROM commitment_report").fetchall()
    assert len(rows) == 1 and rows[0][0] == "answered" and "answered 0x0000" in rows[0][1], rows
