"""`radloop sim ehr` and `radloop sim ris` as processes around the pipeline daemon: the EHR
registers and orders, the RIS accessions and signs P then F, the EHR's listener gets both
reports (refusing the first once, as scripted) and writes its event log with the ground truth."""

from __future__ import annotations

import json
import subprocess

from pipeline_peers import Daemon, free_port, until


def test_ehr_and_ris_simulators_drive_an_order_to_two_reports(radloop_cli, tmp_path):
    ris_port, ehr_port = free_port(), free_port()
    daemon = Daemon(radloop_cli, "--store", str(tmp_path / "radloop.db"), "--ris", f"127.0.0.1:{ris_port}",
                    "--ehr", f"127.0.0.1:{ehr_port}").start()
    cli = str(radloop_cli)
    listener = subprocess.Popen([cli, "sim", "ehr", "listen", "--listen-port", str(ehr_port), "--answer", "1=AE",
                                 "--seconds", "20", "--events", str(tmp_path / "ehr.jsonl")],
                                stdout=subprocess.PIPE, text=True)
    ris = subprocess.Popen([cli, "sim", "ris", "serve", "--port", str(daemon.mllp), "--listen-port", str(ris_port),
                            "--report", "P", "--report", "F", "--seconds", "20"], stdout=subprocess.PIPE, text=True)
    try:
        assert listener.stdout.readline().startswith("listening port")
        assert ris.stdout.readline().startswith("listening port")
        register = subprocess.run([cli, "sim", "ehr", "send", "--port", str(daemon.mllp), "--mrn", "MRN1",
                                   "--family", "DOE", "--given", "JANE"], capture_output=True, text=True, timeout=60)
        assert register.returncode == 0, register.stdout + register.stderr
        order = subprocess.run([cli, "sim", "ehr", "send", "--port", str(daemon.mllp), "--mrn", "MRN1",
                                "--order", "P100", "--modality", "CT"], capture_output=True, text=True, timeout=60)
        assert order.returncode == 0, order.stdout + order.stderr
        assert until(lambda: daemon.get("/fhir/DiagnosticReport?identifier=ACC1000")[1].get("total") == 2, 30)
        assert until(lambda: daemon.get("/health")[1]["outbox_queued"] == 0, 30)
    finally:
        for p in (listener, ris):
            p.terminate()
        ehr_out, _ = listener.communicate(timeout=30)
        ris_out, _ = ris.communicate(timeout=30)
        daemon.stop()
    assert "accessioned P100 ACC1000 -> AA" in ris_out
    reports = [line for line in ehr_out.splitlines() if line.startswith("report")]
    # The P report was refused once and came again under the same control ID, then F.
    assert [r.split()[2] for r in reports] == ["P", "P", "F"], ehr_out
    assert reports[0].split()[1] == reports[1].split()[1]
    assert "answered=AE" in reports[0] and "answered=AA" in reports[1]
    events = [json.loads(line) for line in (tmp_path / "ehr.jsonl").read_text().splitlines()]
    assert [e["ack"] for e in events if e["action"] == "received"] == ["AE", "AA", "AA"]
