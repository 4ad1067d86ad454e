"""The pieces the pipeline's end-to-end tests stand around it: the daemon as a process (so it
can be killed with SIGKILL and started again on the same store), an HL7 receiver playing the EHR
or the RIS (framing by hand, parsing and ACKs by python3-hl7), and the portal over HTTP."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import ssl
import subprocess
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import hl7
import hl7.client
from pydicom.dataset import FileDataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

from locations import peer

START, END = b"\x0b", b"\x1c\x0d"


class MllpReceiver:
    """A threaded MLLP server: records every message and answers AA (AE while `refuse` > 0, and to
    every message about a patient ID in `error_for`; with an MSA-2 naming another message while
    `misaddress` > 0; with bytes that are no ACK while `garbage` > 0); over TLS when given a server
    context."""

    def __init__(self, tls: ssl.SSLContext | None = None) -> None:
        self._tls = tls
        self.messages: list[str] = []
        self.refuse = 0
        self.misaddress = 0
        self.garbage = 0
        self.error_for: set[str] = set()
        self._lock = threading.Lock()
        self._server = socket.socket()
        self._server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._server.bind(("127.0.0.1", 0))
        self._server.listen()
        self.port = self._server.getsockname()[1]
        self._stopping = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self._stopping:
            try:
                conn, _ = self._server.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        if self._tls is not None:
            try:
                conn = self._tls.wrap_socket(conn, server_side=True)
            except (ssl.SSLError, OSError):
                conn.close()  # the sender did not trust us, or spoke no TLS
                return
        buffer = b""
        with conn:
            while True:
                try:
                    data = conn.recv(65536)
                except OSError:
                    return
                if not data:
                    return
                buffer += data
                while START in buffer and END in buffer:
                    begin = buffer.index(START)
                    end = buffer.index(END, begin)
                    payload = buffer[begin + 1:end].decode("utf-8")
                    buffer = buffer[end + 2:]
                    message = hl7.parse(payload)
                    with self._lock:
                        self.messages.append(payload)
                        code = "AE" if self.refuse > 0 or _patient_id(message) in self.error_for else "AA"
                        self.refuse = max(0, self.refuse - 1)
                        misaddressed = self.misaddress > 0
                        self.misaddress = max(0, self.misaddress - 1)
                        garbled = self.garbage > 0
                        self.garbage = max(0, self.garbage - 1)
                    ack = str(message.create_ack(ack_code=code, message_id=f"ACK{len(self.messages)}"))
                    if misaddressed:
                        control = str(message.segment("MSH")[10])
                        ack = ack.replace(f"MSA|{code}|{control}", f"MSA|{code}|SOMEONE-ELSE")
                    if garbled:
                        ack = "THIS IS NOT AN ACK"

                    conn.sendall(START + ack.encode("utf-8") + END)

    def received(self) -> list[str]:
        with self._lock:
            return list(self.messages)

    def wait_for(self, count: int, timeout: float = 20.0) -> list[str]:
        until = time.monotonic() + timeout
        while time.monotonic() < until:
            got = self.received()
            if len(got) >= count:
                return got
            time.sleep(0.05)
        return self.received()

    def close(self) -> None:
        self._stopping = True
        self._server.close()

    def __enter__(self) -> "MllpReceiver":
        return self

    def __exit__(self, *_exc) -> None:
        self.close()


def free_port() -> int:
    """A port nothing listens on now (bound and released; a race with other processes is possible
    but harmless in tests)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def send_hl7(port: int, message: str) -> hl7.Message:
    """One message through python3-hl7's MLLP client; the parsed ACK."""
    with hl7.client.MLLPClient("127.0.0.1", port) as client:
        reply = client.send_message(message)
    if not reply:
        raise ConnectionError("the connection closed before an ACK came")
    return hl7.parse(reply.strip(b"\x0b\x1c\r").decode("utf-8"))


def ack_code(ack: hl7.Message) -> str:
    return str(ack.segment("MSA")[1])


class Daemon:
    """`radloop pipeline` as a process: started, read for its ports, stopped or killed, started again."""

    def __init__(self, cli: Path, *args: str) -> None:
        self.cli = cli
        self.args = list(args)
        self.proc: subprocess.Popen | None = None
        self.ports: dict[str, str] = {}
        # Set when the portal serves HTTPS: get() and post() then go over TLS, checked with it.
        self.https: ssl.SSLContext | None = None
        # A portal token in the caller's environment would make every token-less test a 401.
        self.env = {k: v for k, v in os.environ.items() if k != "RADLOOP_PORTAL_TOKEN"}

    def start(self) -> "Daemon":
        self.proc = subprocess.Popen([str(self.cli), "pipeline", *self.args], stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, text=True, env=self.env)
        line = self.proc.stdout.readline()
        assert line.startswith("ready"), f"the pipeline did not start: {line!r}"
        self.ports = dict(item.split("=") for item in line.split()[1:])
        return self

    @property
    def mllp(self) -> int:
        return int(self.ports["mllp"])

    @property
    def dicom(self) -> int:
        return int(self.ports["dicom"])

    @property
    def http(self) -> int:
        return int(self.ports["http"])

    def __enter__(self) -> "Daemon":
        return self

    def __exit__(self, *_exc) -> None:
        self.stop()

    def kill9(self) -> None:
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)

    def stop(self) -> str:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            out, _ = self.proc.communicate(timeout=60)
            return out
        return ""

    def get(self, path: str, token: str | None = None):
        """(status, parsed JSON or text) of a portal GET."""
        request = urllib.request.Request(f"{self.portal_url}{path}")
        if token:
            request.add_header("Authorization", f"Bearer {token}")
        return _open(request, self.https)

    @property
    def portal_url(self) -> str:
        return f"{'https' if self.https else 'http'}://127.0.0.1:{self.http}"

    def post(self, path: str, body: dict, token: str | None = None):
        request = urllib.request.Request(f"{self.portal_url}{path}", data=json.dumps(body).encode(),
                                         method="POST", headers={"Content-Type": "application/json"})
        if token:
            request.add_header("Authorization", f"Bearer {token}")
        return _open(request, self.https)


def _patient_id(message: hl7.Message) -> str:
    try:
        return str(message.segment("PID")[3]).split("~")[0].split("^")[0]
    except (KeyError, IndexError):
        return ""


def _open(request: urllib.request.Request, context: ssl.SSLContext | None = None):
    try:
        with urllib.request.urlopen(request, timeout=30, context=context) as response:
            status, body, kind = response.status, response.read(), response.headers.get("Content-Type", "")
    except urllib.error.HTTPError as error:
        status, body, kind = error.code, error.read(), error.headers.get("Content-Type", "")
    return status, (json.loads(body) if "json" in kind else body)


def until(condition, timeout: float = 20.0, interval: float = 0.05):
    """Polls condition() until it is truthy; returns its last value."""
    deadline = time.monotonic() + timeout
    value = condition()
    while not value and time.monotonic() < deadline:
        time.sleep(interval)
        value = condition()
    return value


# --- HL7 as the EHR and the RIS send it, and a CT image as a modality writes it ---

CT_IMAGE = "1.2.840.10008.5.1.4.1.1.2"


def segment(name: str, fields: dict[int, str]) -> str:
    values = [""] * (max(fields) + 1)
    for n, v in fields.items():
        values[n] = v
    return name + "|" + "|".join(values[1:]) + "\r"


def msh(sender: str, kind: str, control: str) -> str:
    facility = "GENERAL" if sender == "EHR" else "RADIOLOGY"
    return f"MSH|^~\\&|{sender}|{facility}|RADLOOP|RAD|20261122080000||{kind}|{control}|P|2.5.1\r"


def pid(mrn: str) -> str:
    return segment("PID", {1: "1", 3: f"{mrn}^^^GENERAL^MR", 5: "DOE^JANE", 7: "19800101", 8: "F"})


def ehr_order(control: str, placer: str, mrn: str = "MRN1") -> str:
    return (msh("EHR", "ORM^O01", control) + pid(mrn) + segment("ORC", {1: "NW", 2: placer}) +
            segment("OBR", {1: "1", 2: placer, 4: "71250^CT CHEST^CPT4", 24: "CT"}))


def ris_order(control: str, placer: str, accession: str, mrn: str = "MRN1") -> str:
    return (msh("RIS", "ORM^O01", control) + pid(mrn) +
            segment("ORC", {1: "SC", 2: placer, 3: accession, 5: "SC"}) +
            segment("OBR", {1: "1", 2: placer, 3: accession, 4: "71250^CT CHEST^CPT4", 18: accession, 24: "CT",
                            36: "20261122090000"}))


def oru(control: str, placer: str, accession: str, status: str, text: str, mrn: str = "MRN1") -> str:
    return (msh("RIS", "ORU^R01", control) + pid(mrn) + segment("ORC", {1: "RE", 2: placer, 3: accession, 5: "CM"}) +
            segment("OBR", {1: "1", 2: placer, 3: accession, 4: "71250^CT CHEST^CPT4", 7: "20261122090000",
                            18: accession, 22: "20261122100000", 24: "CT", 25: status}) +
            segment("OBX", {1: "1", 2: "TX", 3: "IMP^Impression", 5: text, 11: status}))


def ct_image(path: Path, patient_id: str, issuer: str, accession: str, study_uid: str, number: int = 1,
             series_uid: str | None = None) -> Path:
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = CT_IMAGE
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = FileDataset(str(path), {}, file_meta=meta, preamble=b"\0" * 128)
    ds.SOPClassUID = CT_IMAGE
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    ds.StudyInstanceUID = study_uid
    ds.SeriesInstanceUID = series_uid or generate_uid()
    ds.PatientID = patient_id
    ds.IssuerOfPatientID = issuer
    ds.PatientName = "DOE^JANE"
    ds.AccessionNumber = accession
    ds.Modality = "CT"
    ds.StudyDate = "20261122"
    ds.SeriesNumber = 1
    ds.InstanceNumber = number
    ds.Rows, ds.Columns = 2, 2
    ds.BitsAllocated, ds.BitsStored, ds.HighBit = 16, 16, 15
    ds.SamplesPerPixel, ds.PixelRepresentation = 1, 0
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.PixelData = b"\0\1" * 4
    ds.is_little_endian, ds.is_implicit_VR = True, False
    ds.save_as(str(path), write_like_original=False)
    return path


def daemon_for(radloop_cli, tmp_path: Path, ris: MllpReceiver, ehr: MllpReceiver, *extra: str) -> Daemon:
    (tmp_path / "images").mkdir(exist_ok=True)
    return Daemon(radloop_cli, "--store", str(tmp_path / "radloop.db"), "--storage-dir", str(tmp_path / "images"),
                  "--ris", f"127.0.0.1:{ris.port}", "--ehr", f"127.0.0.1:{ehr.port}", *extra)


@contextlib.contextmanager
def dcmtk_storescp(radloop_cli, out, *options: str, ae: str = "DCMTKSCP"):
    """DCMTK's storescp (AE `ae`) writing into `out` for the block, a peer that stores and
    reconciles nothing; yields its port once it answers a C-ECHO (it cannot report an ephemeral
    port, and needs a moment to listen)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    scp = subprocess.Popen([peer("storescp"), *options, "-aet", ae, "-od", str(out), str(port)],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            echo = subprocess.run([str(radloop_cli), "sim", "modality", "echo", "--port", str(port), "--called-ae", ae],
                                  capture_output=True, text=True, timeout=60)
            if echo.returncode == 0:
                break
            time.sleep(0.05)
        else:
            raise AssertionError("storescp never answered a C-ECHO")
        yield port
    finally:
        scp.terminate()
        scp.wait(timeout=30)
