"""The daemon against DICOM input built to crash it: a data set whose sequences nest 10,000 levels
deep (DCMTK's parser recurses once per level; DCMTK's own storescp dies on it), in an instance
and in a DIMSE command set. Sent with DCMTK's
storescu, as a report object and over STOW-RS, it is refused with a reason, and the daemon goes on
answering C-ECHO and storing the next study."""

from __future__ import annotations

import socket
import subprocess
import urllib.request
import uuid

from pydicom.uid import generate_uid

from hostile_dicom import associate_rq, big_stack, nested_command, nested_part10, p_data, read_pdu
from locations import peer
from pipeline_peers import ct_image, daemon_for, until


def storescu(port: int, *files: str) -> str:
    done = subprocess.run([peer("storescu"), "-v", "-aec", "RADLOOP", "127.0.0.1", str(port), *files],
                          capture_output=True, text=True, timeout=120, preexec_fn=big_stack)
    return done.stdout + done.stderr


def stow(port: int, part: bytes) -> tuple[int, bytes]:
    boundary = uuid.uuid4().hex
    body = (f"--{boundary}\r\nContent-Type: application/dicom\r\n\r\n".encode() + part +
            f"\r\n--{boundary}--\r\n".encode())
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/dicomweb/studies", data=body, method="POST",
        headers={"Content-Type": f'multipart/related; type="application/dicom"; boundary={boundary}'})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def test_a_data_set_nested_ten_thousand_deep_is_refused_and_the_daemon_keeps_serving(radloop_cli, tmp_path, peers):
    ris, ehr = peers
    daemon = daemon_for(radloop_cli, tmp_path, ris, ehr).start()
    try:
        deep = nested_part10(tmp_path / "deep.dcm", 10_000, generate_uid(), generate_uid())
        output = storescu(daemon.dicom, str(deep))
        assert "Received Store Response" in output, output
        assert "Received Store Response (Error: CannotUnderstand)" in output, output  # 0xC000

        status, body = stow(daemon.http, deep.read_bytes())
        assert status == 409, body
        assert b'"00081197"' in body and b"49152" in body, body  # Failure Reason 0xC000

        echo = subprocess.run([peer("echoscu"), "-aec", "RADLOOP", "127.0.0.1", str(daemon.dicom)],
                              capture_output=True, text=True, timeout=60)
        assert echo.returncode == 0, echo.stderr
        image = ct_image(tmp_path / "next.dcm", "MRN1", "GENERAL", "ACC1", generate_uid())
        assert "Received Store Response (Success)" in storescu(daemon.dicom, str(image))
        assert until(lambda: daemon.get("/health")[1].get("instances") == 1, timeout=30)
        metrics = daemon.get("/metrics")[1]
        metrics = metrics.decode() if isinstance(metrics, bytes) else metrics
        # The C-STORE and the STOW part: both counted as failed, nothing stored but the next study.
        assert 'radloop_dicom_instances_total{outcome="failed"} 2' in metrics, metrics
    finally:
        daemon.stop()
    assert daemon.proc.returncode == 0, "the daemon did not stop cleanly"


def test_a_command_set_nested_deep_ends_only_its_own_association(radloop_cli, tmp_path, peers):
    """DCMTK parses a DIMSE command set as it parses a data set, recursing once per nested
    sequence and fragment by fragment: a C-ECHO-RQ whose command nests 20,000 levels used to kill
    the daemon. Its fragments are now followed as they arrive, and the one that takes the command
    past 4 KiB is refused before DCMTK sees it: an A-ABORT, the association ends, the daemon goes
    on. (Nesting within 4 KiB is held to the depth limit: tests/cpp/dicom/pdu_guard_test.cpp.)"""
    ris, ehr = peers
    daemon = daemon_for(radloop_cli, tmp_path, ris, ehr).start()
    try:
        for levels in (1_500, 20_000):
            with socket.create_connection(("127.0.0.1", daemon.dicom), timeout=30) as sock:
                sock.sendall(associate_rq("RADLOOP", "ATTACKER"))
                assert read_pdu(sock)[0] == 0x02  # A-ASSOCIATE-AC: the request itself is fine
                command = nested_command(levels)
                try:
                    for at in range(0, len(command), 16_000):
                        sock.sendall(p_data(1, command[at:at + 16_000], command=True,
                                            last=at + 16_000 >= len(command)))
                except (BrokenPipeError, ConnectionResetError):
                    pass  # refused at the first fragment: the rest may find the socket closed
                # A-ABORT from the service provider (2), invalid PDU parameter value (6).
                assert read_pdu(sock) == (0x07, b"\0\0\2\6"), levels
        echo = subprocess.run([peer("echoscu"), "-aec", "RADLOOP", "127.0.0.1", str(daemon.dicom)],
                              capture_output=True, text=True, timeout=60)
        assert echo.returncode == 0, echo.stderr
        metrics = daemon.get("/metrics")[1]
        metrics = metrics.decode() if isinstance(metrics, bytes) else metrics
        assert "radloop_dicom_pdu_refusals_total 2" in metrics, metrics
    finally:
        daemon.stop()
    assert daemon.proc.returncode == 0, "the daemon did not stop cleanly"
