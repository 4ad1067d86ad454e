"""The daemon against HL7 senders that misbehave. A sender whose counter restarted after a reboot
sends a new patient under a control ID it used before: the second message must be refused (AR,
ERR-3 205 duplicate key identifier) and kept as refused, the first kept as it was, and an identical
resend (MSH-7 restamped) still answered AA and applied once. A thousand connections trickling
bytes must neither exhaust the daemon nor keep a normal sender out. An EHR that answers with
another message's control ID, or with errors about one patient, must not make the daemon lose a
report, send one patient's reports out of order, or hold every other patient's."""

from __future__ import annotations

import resource
import socket
import time

import hl7
import pytest

from pipeline_peers import ack_code, daemon_for, msh, oru, ris_order, segment, send_hl7, until


def adt_a01(control: str, mrn: str, name: str, stamp: str = "20261122080000") -> str:
    header = msh("EHR", "ADT^A01", control).replace("20261122080000", stamp)
    return (header + segment("EVN", {1: "A01", 2: "20261122080000"}) +
            segment("PID", {1: "1", 3: f"{mrn}^^^GENERAL^MR", 5: name, 7: "19800101", 8: "F"}) +
            segment("PV1", {1: "1", 2: "O"}))


def patients(daemon, mrn: str) -> list:
    status, bundle = daemon.get(f"/fhir/Patient?identifier={mrn}")
    assert status == 200, bundle
    return bundle.get("entry", [])


def test_a_new_message_under_a_used_control_id_is_refused_and_nothing_is_lost(radloop_cli, tmp_path, peers):
    ris, ehr = peers
    daemon = daemon_for(radloop_cli, tmp_path, ris, ehr).start()
    try:
        assert ack_code(send_hl7(daemon.mllp, adt_a01("BOOT0001", "MRN100", "DOE^JANE"))) == "AA"
        # The sender rebooted and its counter started over.
        refused = send_hl7(daemon.mllp, adt_a01("BOOT0001", "MRN200", "ROE^RICHARD"))
        assert ack_code(refused) == "AR"
        assert str(refused.segment("MSA")[2]) == "BOOT0001"
        assert str(refused.segment("ERR")[3][0][0]) == "205"
        # An engine resending the first message restamps MSH-7: still the same message.
        resent = send_hl7(daemon.mllp, adt_a01("BOOT0001", "MRN100", "DOE^JANE", stamp="20261122090000"))
        assert ack_code(resent) == "AA"

        assert len(patients(daemon, "MRN100")) == 1
        assert patients(daemon, "MRN200") == [], "the refused message must not be applied"
        status, kept = daemon.get("/inbound?sender=EHR%5EGENERAL&control_id=BOOT0001")
        assert status == 200 and kept["records"] == 1, kept
        status, count = daemon.get("/inbound?sender=EHR%5EGENERAL")
        assert count["count"] == 2, "the refused message is kept too, as refused"
        metrics = daemon.get("/metrics")[1]
        metrics = metrics.decode() if isinstance(metrics, bytes) else metrics
        assert 'radloop_hl7_messages_total{outcome="control_id_reused"} 1' in metrics
        assert 'radloop_hl7_messages_total{outcome="duplicate"} 1' in metrics
    finally:
        daemon.stop()


def rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))


def metric(daemon, name: str) -> int:
    text = daemon.get("/metrics")[1]
    text = text.decode() if isinstance(text, bytes) else text
    return next(int(float(line.split()[-1])) for line in text.splitlines() if line.startswith(name + " "))


def test_a_thousand_trickling_connections_are_bounded_and_a_normal_sender_is_served(radloop_cli, tmp_path, peers):
    """1,000 connections from 20 addresses, each trickling a frame a byte at a time: the daemon holds
    at most max_connections_per_peer from each, cuts each at the message deadline, keeps its
    memory bounded, and answers a normal sender all along."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, 4096)), hard))
    config = tmp_path / "pipeline.yaml"
    # 20 addresses at 16 connections each stay under max_connections: a flood from a few hosts
    # cannot fill the server (from many, only an allow-list can keep it out).
    config.write_text("mllp:\n  message_timeout_ms: 4000\n  idle_timeout_ms: 4000\n  max_connections: 400\n"
                      "  max_connections_per_peer: 16\n")
    ris, ehr = peers
    daemon = daemon_for(radloop_cli, tmp_path, ris, ehr, "--config", str(config)).start()
    flood: list[socket.socket] = []
    try:
        before = rss_kib(daemon.proc.pid)
        for n in range(1000):
            s = socket.socket()
            s.bind((f"127.0.0.{2 + n % 20}", 0))
            s.setblocking(False)
            try:
                s.connect(("127.0.0.1", daemon.mllp))
            except BlockingIOError:
                pass
            flood.append(s)
        started = [False] * len(flood)
        peak = before
        answered = []
        deadline = time.monotonic() + 8
        while time.monotonic() < deadline:
            for n, s in enumerate(flood):
                try:
                    s.send(b"M" if started[n] else b"\x0bMSH|")
                    started[n] = True
                except OSError:  # not connected yet, refused, or cut: all expected
                    pass
            answered.append(ack_code(send_hl7(daemon.mllp, adt_a01(f"NORMAL{len(answered)}", "MRN300", "DOE^JO"))))
            peak = max(peak, rss_kib(daemon.proc.pid))
            time.sleep(0.5)
        assert answered and set(answered) == {"AA"}, answered
        refused = metric(daemon, "radloop_mllp_connections_refused_total")
        dropped = metric(daemon, "radloop_mllp_connections_dropped_total")
        assert refused >= 680, f"only {refused} of 1,000 refused with 16 per address"
        assert dropped >= 300, f"only {dropped} of the 320 held connections cut at the message deadline"
        # Bounded: each held connection costs its read buffer and a few KiB more, never its frame.
        assert peak - before < 200 * 1024, f"RSS grew by {(peak - before) // 1024} MiB under the flood"
        print(f"RSS {before // 1024} MiB before, {peak // 1024} MiB at most under 1,000 trickling connections; "
              f"{refused} refused, {dropped} cut at the deadline")
    finally:
        for s in flood:
            s.close()
        daemon.stop()


@pytest.mark.parametrize("fault", ["misaddress", "garbage"])
def test_an_ehr_answer_that_is_no_ack_for_the_report_makes_it_go_again(radloop_cli, tmp_path, peers, fault):
    """The EHR answers AA naming another message in MSA-2, or answers bytes that are no ACK at
    all: the report is not taken as delivered, and goes again under its own control ID until an
    ACK for it comes."""
    ris, ehr = peers
    setattr(ehr, fault, 1)
    daemon = daemon_for(radloop_cli, tmp_path, ris, ehr).start()
    try:
        assert ack_code(send_hl7(daemon.mllp, ris_order("R100", "P100", "ACC100"))) == "AA"
        assert ack_code(send_hl7(daemon.mllp, oru("U100", "P100", "ACC100", "F", "Final."))) == "AA"
        got = ehr.wait_for(2, timeout=30)
        assert len(got) >= 2, got
        controls = {str(hl7.parse(m).segment("MSH")[10]) for m in got}
        assert len(controls) == 1, f"a retry must keep its control ID: {controls}"
        delivered = until(lambda: daemon.get("/outbox?state=delivered&destination=ehr")[1]["messages"], timeout=30)
        assert delivered and delivered[0]["attempts"] == 2, delivered
    finally:
        daemon.stop()


def test_an_ehr_error_about_one_order_holds_only_that_orders_reports(radloop_cli, tmp_path, peers):
    """The EHR answers AE to every report about one patient (its chart locked, say): that order's
    reports wait on their retries, in order; another patient's report goes at once, and once the
    chart is unlocked both go, the first first, and none is dead-lettered."""
    ris, ehr = peers
    ehr.error_for = {"MRNA"}
    daemon = daemon_for(radloop_cli, tmp_path, ris, ehr).start()
    try:
        for message in (ris_order("RA", "PA", "ACCA", mrn="MRNA"), ris_order("RB", "PB", "ACCB", mrn="MRNB"),
                        oru("UA1", "PA", "ACCA", "P", "Preliminary.", mrn="MRNA"),
                        oru("UA2", "PA", "ACCA", "F", "Final.", mrn="MRNA"),
                        oru("UB1", "PB", "ACCB", "F", "Other patient.", mrn="MRNB")):
            assert ack_code(send_hl7(daemon.mllp, message)) == "AA"

        def about(mrn: str) -> list[str]:
            return [str(hl7.parse(m).segment("MSH")[10]) for m in ehr.received() if f"|{mrn}^" in m]

        assert until(lambda: about("MRNB"), timeout=30), "another patient's report waited behind MRNA's"
        assert until(lambda: len(about("MRNA")) >= 2, timeout=30), "MRNA's first report is retried"
        queued = daemon.get("/outbox?state=queued&destination=ehr")[1]["messages"]
        assert any(m["attempts"] >= 1 and "AE" in m["last_error"] for m in queued), queued

        ehr.error_for.clear()  # the chart is unlocked: both go, the first first
        assert until(lambda: len(set(about("MRNA"))) == 2, timeout=60), about("MRNA")
        sent = about("MRNA")
        first = sent[0]
        last_of_first = max(i for i, control in enumerate(sent) if control == first)
        first_of_second = min(i for i, control in enumerate(sent) if control != first)
        assert last_of_first < first_of_second, f"the second report went before the first was taken: {sent}"
        assert until(lambda: not daemon.get("/outbox?state=queued&destination=ehr")[1]["messages"], timeout=30)
        assert daemon.get("/outbox?state=dead")[1]["messages"] == [], "a report was dead-lettered"
        delivered = daemon.get("/outbox?state=delivered&destination=ehr")[1]["messages"]
        assert len(delivered) == 3, delivered
    finally:
        daemon.stop()
