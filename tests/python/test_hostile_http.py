"""The daemon's portal against clients that are not who they say, or not the user: tokens from a
file whose holders the audit names whatever the body claims, a token too short to protect
anything refused at start, requests a web page could make (another site's form, a DNS-rebound
name) refused, and slow clients (slowloris) cut at the deadline while others are served."""

from __future__ import annotations

import socket
import subprocess
import time
import urllib.request

from pydicom.uid import generate_uid

from locations import peer
from pipeline_peers import Daemon, ack_code, ct_image, daemon_for, ris_order, send_hl7, until


def raw_exchange(port: int, request: bytes, timeout: float = 10) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(request)
        return sock.recv(65536)


def test_a_tokens_holder_is_who_the_audit_names_whatever_the_body_says(radloop_cli, tmp_path, peers):
    ris, ehr = peers
    tokens = tmp_path / "tokens"
    tokens.write_text("# holder token\nalice alice-portal-token-0001\nbob   bob-portal-token-00002\n")
    tokens.chmod(0o600)
    daemon = daemon_for(radloop_cli, tmp_path, ris, ehr, "--token-file", str(tokens)).start()
    try:
        assert ack_code(send_hl7(daemon.mllp, ris_order("R1", "P1002", "ACC1002"))) == "AA"
        image = ct_image(tmp_path / "ct.dcm", "MRN1", "GENERAL", "ACC1020", generate_uid())  # two digits swapped
        sent = subprocess.run([peer("storescu"), "-aec", "RADLOOP", "127.0.0.1", str(daemon.dicom), str(image)],
                              capture_output=True, text=True, timeout=60)
        assert sent.returncode == 0, sent.stderr
        assert daemon.get("/review")[0] == 401
        assert daemon.get("/review", "carol-portal-token-003")[0] == 401
        assert until(lambda: daemon.get("/review", "bob-portal-token-00002")[1].get("items"))
        [item] = daemon.get("/review", "bob-portal-token-00002")[1]["items"]
        order = item["candidates"][0]["order_id"]
        status, _ = daemon.post(f"/review/{item['id']}/link", {"order_id": order, "actor": "mallory"},
                                "alice-portal-token-0001")
        assert status == 200
        status, linked = daemon.get(f"/review/{item['id']}", "bob-portal-token-00002")
        assert linked["audit"][-1]["action"] == "link"
        assert linked["audit"][-1]["actor"] == "alice (as mallory)", linked["audit"]
    finally:
        daemon.stop()


def test_a_token_too_short_to_protect_anything_is_refused_at_start(radloop_cli, tmp_path, peers):
    ris, ehr = peers
    daemon = daemon_for(radloop_cli, tmp_path, ris, ehr, "--token", "s3cret")
    done = subprocess.run([str(daemon.cli), "pipeline", *daemon.args], capture_output=True, text=True, timeout=60,
                          env=daemon.env)
    assert done.returncode == 3, done.stdout
    assert "the token of token has 6 characters; at least 16 are needed" in done.stderr, done.stderr
    # Refused before anything listened: no MLLP or DICOM listener was opened first.
    assert "listening on" not in done.stdout + done.stderr, done.stdout + done.stderr


def test_the_token_can_come_from_the_environment(radloop_cli, tmp_path, peers):
    ris, ehr = peers
    daemon = daemon_for(radloop_cli, tmp_path, ris, ehr)
    daemon.env["RADLOOP_PORTAL_TOKEN"] = "from-the-environment-1"
    daemon.start()
    try:
        assert daemon.get("/health")[0] == 401
        assert daemon.get("/health", "from-the-environment-1")[0] == 200
    finally:
        daemon.stop()


def test_without_a_token_what_a_web_page_could_send_is_refused(radloop_cli, tmp_path, peers):
    ris, ehr = peers
    daemon = daemon_for(radloop_cli, tmp_path, ris, ehr).start()
    try:
        # DNS rebinding: the page's own name in Host; reads of patient data included.
        reply = raw_exchange(daemon.http, b"GET /fhir/Patient HTTP/1.1\r\nHost: evil.example\r\n\r\n")
        assert reply.startswith(b"HTTP/1.1 403"), reply
        assert b"http_forbidden" in reply
        # Another site's form posting a decision.
        request = urllib.request.Request(f"http://127.0.0.1:{daemon.http}/review/1/link", data=b'{"order_id": 1}',
                                         method="POST", headers={"Origin": "https://evil.example",
                                                                 "Content-Type": "application/json"})
        try:
            urllib.request.urlopen(request, timeout=30)
            raise AssertionError("a cross-site POST was served")
        except urllib.error.HTTPError as error:
            assert error.code == 403
        # The user's own tools are served.
        assert daemon.get("/health")[0] == 200
        assert daemon.post("/review/1/link", {"order_id": 1, "actor": "me"})[0] == 404  # no such item, but heard
    finally:
        daemon.stop()


def test_slow_clients_are_cut_at_the_deadline_and_others_are_served(radloop_cli, tmp_path, peers):
    ris, ehr = peers
    config = tmp_path / "pipeline.yaml"
    config.write_text("portal:\n  read_timeout_seconds: 1\n  request_timeout_seconds: 2\n")
    daemon = Daemon(radloop_cli, "--config", str(config), *daemon_for(radloop_cli, tmp_path, ris, ehr).args).start()
    try:
        slow = []
        for _ in range(12):  # headers that never end (16 from one address is the cap)
            sock = socket.create_connection(("127.0.0.1", daemon.http), timeout=10)
            sock.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
            slow.append(sock)
        body = socket.create_connection(("127.0.0.1", daemon.http), timeout=10)  # a body that trickles
        body.sendall(b"POST /review/1/link HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000\r\n\r\n{")
        began = time.monotonic()
        assert daemon.get("/health")[0] == 200, "others are served meanwhile"
        for _ in range(10):
            time.sleep(0.3)
            for sock in slow:
                try:
                    sock.sendall(b"a")
                except OSError:
                    pass
            try:
                body.sendall(b" ")
            except OSError:
                break
        for sock in slow:
            assert sock.recv(65536).startswith(b"HTTP/1.1 408"), "the headers' deadline"
            sock.close()
        reply = body.recv(65536)
        assert reply.startswith(b"HTTP/1.1 408"), reply
        assert b"the body did not arrive whole within 2 s" in reply, reply
        assert time.monotonic() - began < 10
        body.close()
        assert daemon.get("/health")[0] == 200
    finally:
        daemon.stop()


def test_five_million_stow_parts_are_refused_whole_and_the_daemon_goes_on(radloop_cli, tmp_path, peers):
    """64 MiB hold five million empty parts, each a record if it were read: the body is refused
    at the part cap with a reason, nothing is stored, and the daemon serves the next request."""
    ris, ehr = peers
    daemon = daemon_for(radloop_cli, tmp_path, ris, ehr).start()
    try:
        body = b"--B\r\n\r\n\r\n" * 5_000_000 + b"--B--\r\n"
        request = urllib.request.Request(
            f"http://127.0.0.1:{daemon.http}/dicomweb/studies", data=body, method="POST",
            headers={"Content-Type": 'multipart/related; type="application/dicom"; boundary=B'})
        try:
            urllib.request.urlopen(request, timeout=120)
            raise AssertionError("five million parts were taken")
        except urllib.error.HTTPError as error:
            assert error.code == 400
            assert b"more than 10000 parts" in error.read()
        status, health = daemon.get("/health")
        assert status == 200 and health["instances"] == 0
    finally:
        daemon.stop()
