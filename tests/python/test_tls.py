"""TLS on the daemon, configured in pipeline.yaml, against peers we did not write. MLLP: the
openssl CLI as the sender, Python's ssl as the EHR, on both sides of the pipeline; a sender
without TLS, or without a client certificate where one is required, is refused and the daemon
goes on serving; reports go out to the EHR over TLS, its certificate checked. DICOM: DCMTK's
storescu and echoscu with +tls. The portal: curl and Python's ssl over HTTPS."""

from __future__ import annotations

import re
import selectors
import socket
import ssl
import subprocess
import time

import pydicom
import pytest
from pydicom.uid import generate_uid

from locations import peer, peer_env
from pipeline_peers import END, START, Daemon, MllpReceiver, ct_image, msh, oru, pid, ris_order, segment, until


def openssl(*args: str, cwd) -> None:
    subprocess.run([peer("openssl"), *args], cwd=cwd, check=True, capture_output=True)


@pytest.fixture()
def certificates(tmp_path):
    """A throwaway CA, a server certificate for 127.0.0.1 and a client certificate, all from it."""
    d = tmp_path / "pki"
    d.mkdir()
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=radloop test CA",
            "-keyout", "ca.key", "-out", "ca.pem", cwd=d)
    for name, extension in (("server", "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth"),
                            ("client", "extendedKeyUsage=clientAuth")):
        (d / f"{name}.ext").write_text(extension + "\n")
        openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", f"/CN={name}", "-keyout", f"{name}.key",
                "-out", f"{name}.csr", cwd=d)
        openssl("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
                "-days", "2", "-extfile", f"{name}.ext", "-out", f"{name}.pem", cwd=d)
    return d


def tls_daemon(radloop_cli, tmp_path, pki, ehr_port: int, require_client: bool = False,
               portal_tls: str | None = None) -> Daemon:
    (tmp_path / "images").mkdir(exist_ok=True)
    config = tmp_path / "pipeline.yaml"
    tls = f"""{{certificate: pki/server.pem, key: pki/server.key, client_ca: pki/ca.pem,
         require_client_certificate: {str(require_client).lower()}}}"""
    config.write_text(f"""
mllp:
  port: 0
  tls: {tls}
dicom:
  tls: {tls}
{f"portal: {{tls: {portal_tls}}}" if portal_tls else ""}
routing:
  ehr: {{host: 127.0.0.1, port: {ehr_port}, application: EHR, facility: GENERAL, tls: {{ca: pki/ca.pem}}}}
""")
    return Daemon(radloop_cli, "--config", str(config), "--store", str(tmp_path / "radloop.db"),
                  "--storage-dir", str(tmp_path / "images"), "--dicom-port", "0", "--http-port", "0")


def send_with_openssl(port: int, message: str, pki, client_certificate: bool = False) -> str:
    """One message through `openssl s_client`; the ACK it printed (empty when none came)."""
    args = [peer("openssl"), "s_client", "-connect", f"127.0.0.1:{port}", "-CAfile", str(pki / "ca.pem"),
            "-verify_return_error", "-quiet"]
    if client_certificate:
        args += ["-cert", str(pki / "client.pem"), "-key", str(pki / "client.key")]
    client = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 30
    try:
        client.stdin.write(START + message.encode() + END)
        client.stdin.flush()
        reply = b""
        with selectors.DefaultSelector() as waiting:
            waiting.register(client.stdout, selectors.EVENT_READ)
            while END not in reply and waiting.select(timeout=max(0.0, deadline - time.monotonic())):
                chunk = client.stdout.read1(65536)
                if not chunk:
                    break
                reply += chunk
    finally:
        client.kill()
        client.communicate()
    return reply.strip(START + END).decode(errors="replace")


def adt(control: str) -> str:
    return (msh("EHR", "ADT^A04", control) + segment("EVN", {1: "A04", 2: "20261122080000"}) + pid("MRN1") +
            segment("PV1", {1: "1", 2: "O"}))


def test_openssl_sends_over_tls_and_a_plain_sender_is_refused(radloop_cli, tmp_path, certificates):
    with MllpReceiver() as ehr, tls_daemon(radloop_cli, tmp_path, certificates, ehr.port).start() as daemon:
        ack = send_with_openssl(daemon.mllp, adt("TLS1"), certificates)
        assert "MSA|AA|TLS1" in ack, ack
        # A sender speaking plain MLLP to the TLS port gets no ACK: the handshake fails, nothing is
        # taken.
        with socket.create_connection(("127.0.0.1", daemon.mllp), timeout=10) as plain:
            plain.sendall(START + adt("PLAIN1").encode() + END)
            try:
                answer = plain.recv(65536)
            except (ConnectionResetError, socket.timeout):
                answer = b""
        assert b"MSA|AA" not in answer
        status, body = daemon.get("/inbound?sender=EHR%5EGENERAL&control_id=PLAIN1")
        assert status == 200 and body["kept"] is False, body
        failed = until(lambda: re.search(r"^radloop_mllp_tls_handshakes_failed_total ([1-9]\d*)$",
                                         daemon.get("/metrics")[1].decode(), re.M))
        assert failed, daemon.get("/metrics")[1]
        # And TLS senders are still served.
        assert "MSA|AA|TLS2" in send_with_openssl(daemon.mllp, adt("TLS2"), certificates)


def test_a_required_client_certificate_is_checked(radloop_cli, tmp_path, certificates):
    with (MllpReceiver() as ehr,
          tls_daemon(radloop_cli, tmp_path, certificates, ehr.port, require_client=True).start() as daemon):
        assert "MSA|AA" not in send_with_openssl(daemon.mllp, adt("ANON1"), certificates)
        status, body = daemon.get("/inbound?sender=EHR%5EGENERAL&control_id=ANON1")
        assert status == 200 and body["kept"] is False, body
        assert until(lambda: re.search(r"^radloop_mllp_tls_handshakes_failed_total [1-9]",
                                       daemon.get("/metrics")[1].decode(), re.M)), "the refusal is counted"
        assert "MSA|AA|CERT1" in send_with_openssl(daemon.mllp, adt("CERT1"), certificates, client_certificate=True)


def test_reports_go_to_the_ehr_over_tls_and_only_to_a_certificate_it_trusts(radloop_cli, tmp_path, certificates):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(certificates / "server.pem", certificates / "server.key")
    with (MllpReceiver(tls=context) as ehr,
          tls_daemon(radloop_cli, tmp_path, certificates, ehr.port).start() as daemon):
        for control, message in (("O1", ris_order("O1", "P1", "ACC1")),
                                 ("R1", oru("R1", "P1", "ACC1", "F", "No acute findings."))):
            assert "MSA|AA|" + control in send_with_openssl(daemon.mllp, message, certificates)
        delivered = ehr.wait_for(1)
        assert delivered and "ORU^R01" in delivered[0], delivered
        assert "No acute findings." in delivered[0]

    # An EHR whose certificate the pipeline does not trust gets nothing.
    (tmp_path / "other").mkdir()
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=impostor",
            "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", "other.key", "-out", "other.pem",
            cwd=tmp_path / "other")
    impostor_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    impostor_context.load_cert_chain(tmp_path / "other" / "other.pem", tmp_path / "other" / "other.key")
    store = tmp_path / "second"
    store.mkdir()
    (store / "pki").symlink_to(certificates)
    with (MllpReceiver(tls=impostor_context) as impostor,
          tls_daemon(radloop_cli, store, certificates, impostor.port).start() as daemon):
        for control, message in (("O2", ris_order("O2", "P2", "ACC2")),
                                 ("R2", oru("R2", "P2", "ACC2", "F", "Second."))):
            assert "MSA|AA|" + control in send_with_openssl(daemon.mllp, message, certificates)

        def refused_by_tls():
            status, body = daemon.get("/outbox?destination=ehr")
            return [m for m in body["messages"] if m["attempts"] > 0 and m["state"] != "delivered"]

        failing = until(refused_by_tls, timeout=20)
        assert failing, daemon.get("/outbox?destination=ehr")
        assert "certificate" in failing[0]["last_error"] or "handshake" in failing[0]["last_error"], failing
        assert not impostor.received(), "a report went to an untrusted peer"


def test_storescu_stores_over_tls_and_a_required_certificate_is_enforced(radloop_cli, tmp_path, certificates):
    with (MllpReceiver() as ehr,
          tls_daemon(radloop_cli, tmp_path, certificates, ehr.port, require_client=True).start() as daemon):
        study_uid = generate_uid()
        image = ct_image(tmp_path / "ct.dcm", "MRN1", "GENERAL", "ACC1", study_uid)
        trust = ["+cf", str(certificates / "ca.pem")]
        mine = ["+tls", str(certificates / "client.key"), str(certificates / "client.pem")]
        target = ["-aec", "RADLOOP", "127.0.0.1", str(daemon.dicom)]
        stored = subprocess.run([peer("storescu"), *mine, *trust, *target, str(image)], capture_output=True,
                                text=True, timeout=60)
        assert stored.returncode == 0, stored.stdout + stored.stderr
        status, instances = daemon.get(f"/dicomweb/studies/{study_uid}/instances")
        assert status == 200 and instances[0]["00080018"]["Value"] == [pydicom.dcmread(image).SOPInstanceUID]
        plain = subprocess.run([peer("echoscu"), *target], capture_output=True, text=True, timeout=60)
        assert plain.returncode != 0, "plain DICOM on the TLS port"
        anonymous = subprocess.run([peer("echoscu"), "+tla", *trust, *target], capture_output=True, text=True,
                                   timeout=60)
        assert anonymous.returncode != 0, "no client certificate where one is required"
        again = subprocess.run([peer("echoscu"), *mine, *trust, *target], capture_output=True, text=True, timeout=60)
        assert again.returncode == 0, again.stdout + again.stderr


def curl(daemon: Daemon, pki, path: str, *extra: str, scheme: str = "https") -> subprocess.CompletedProcess:
    return subprocess.run([peer("curl"), "-sS", "--max-time", "30", "--cacert", str(pki / "ca.pem"), *extra,
                           f"{scheme}://127.0.0.1:{daemon.http}{path}"], capture_output=True, text=True, env=peer_env())


def test_the_portal_serves_https_and_refuses_plain_http(radloop_cli, tmp_path, certificates):
    with (MllpReceiver() as ehr,
          tls_daemon(radloop_cli, tmp_path, certificates, ehr.port,
                     portal_tls="{certificate: pki/server.pem, key: pki/server.key}").start() as daemon):
        health = curl(daemon, certificates, "/health")
        assert health.returncode == 0 and '"patients"' in health.stdout, health
        # Plain HTTP on the HTTPS port is closed without an answer, and nothing is served in clear.
        plain = curl(daemon, certificates, "/health", scheme="http")
        assert plain.returncode != 0 and '"patients"' not in plain.stdout, plain
        # Python's ssl checks the daemon's certificate and reads what MLLP over TLS took.
        daemon.https = ssl.create_default_context(cafile=str(certificates / "ca.pem"))
        assert "MSA|AA|HTTPS1" in send_with_openssl(daemon.mllp, adt("HTTPS1"), certificates)
        status, body = daemon.get("/inbound?sender=EHR%5EGENERAL&control_id=HTTPS1")
        assert status == 200 and body["kept"] is True, body
        # A client that does not trust the daemon's certificate gets nothing.
        stranger = ssl.create_default_context()
        with socket.create_connection(("127.0.0.1", daemon.http), timeout=10) as raw:
            with pytest.raises(ssl.SSLCertVerificationError):
                stranger.wrap_socket(raw, server_hostname="127.0.0.1").close()


def test_the_portal_can_require_a_client_certificate(radloop_cli, tmp_path, certificates):
    portal_tls = """{certificate: pki/server.pem, key: pki/server.key, client_ca: pki/ca.pem,
                     require_client_certificate: true}"""
    with (MllpReceiver() as ehr,
          tls_daemon(radloop_cli, tmp_path, certificates, ehr.port, portal_tls=portal_tls).start() as daemon):
        anonymous = curl(daemon, certificates, "/health")
        assert anonymous.returncode != 0 and '"patients"' not in anonymous.stdout, anonymous
        known = curl(daemon, certificates, "/health", "--cert", str(certificates / "client.pem"), "--key",
                     str(certificates / "client.key"))
        assert known.returncode == 0 and '"patients"' in known.stdout, known
