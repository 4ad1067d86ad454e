"""C-ECHO both ways with DCMTK's own tools: echoscu against our SCP, our SCU against storescp.

GDCM's gdcmscu would be a third peer, but Debian 12's build (3.0.21) aborts on every C-ECHO
("ProtocolStream as nullptr is invalid"), even against DCMTK's storescp.
"""

from __future__ import annotations

import socket
import subprocess
import time

import radloop
from conftest import peer


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(args, capture_output=True, text=True, timeout=60)


def test_dcmtk_echoscu_gets_success(pipeline):
    result = run(peer("echoscu"), "-v", "-aet", "ECHOSCU", "-aec", pipeline.ae_title, "127.0.0.1",
                 str(pipeline.dicom_port))
    assert result.returncode == 0, result.stderr
    assert "Received Echo Response (Success)" in result.stderr + result.stdout
    assert pipeline.stats()["echoes_answered"] == 1


def test_dcmtk_echoscu_is_let_in_only_by_an_allowed_calling_ae():
    with radloop.running_pipeline(allowed_callers=[("CT_SCANNER_1", ""), ("MR_1", "10.9.9.9")]) as p:
        ok = run(peer("echoscu"), "-aet", "CT_SCANNER_1", "-aec", p.ae_title, "127.0.0.1", str(p.dicom_port))
        assert ok.returncode == 0, ok.stderr
        unknown = run(peer("echoscu"), "-aet", "CT_SCANNER_2", "-aec", p.ae_title, "127.0.0.1", str(p.dicom_port))
        assert unknown.returncode != 0
        assert "Calling AE Title Not Recognized" in unknown.stderr + unknown.stdout
        elsewhere = run(peer("echoscu"), "-aet", "MR_1", "-aec", p.ae_title, "127.0.0.1", str(p.dicom_port))
        assert elsewhere.returncode != 0
        assert p.stats()["associations_accepted"] == 1
        assert p.stats()["associations_rejected"] == 2


def test_dcmtk_echoscu_is_refused_on_a_wrong_called_ae(pipeline):
    result = run(peer("echoscu"), "-aet", "ECHOSCU", "-aec", pipeline.ae_title.lower(), "127.0.0.1",
                 str(pipeline.dicom_port))
    assert result.returncode != 0
    assert "Called AE Title Not Recognized" in result.stderr + result.stdout
    assert pipeline.stats()["associations_rejected"] == 1


def test_our_scu_is_answered_by_dcmtk_storescp(tmp_path):
    """The other direction: our C-ECHO user against DCMTK's own SCP."""
    with socket.socket() as s:  # a free port for storescp, which cannot report an ephemeral one
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    scp = subprocess.Popen([peer("storescp"), "-aet", "DCMTKSCP", "-od", str(tmp_path), str(port)],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        status = None
        for _ in range(100):  # storescp needs a moment to listen
            try:
                status = radloop.echo("127.0.0.1", port, called_ae="DCMTKSCP")
                break
            except radloop.RadloopError as error:
                assert error.code == "connect_failed", str(error)
                time.sleep(0.05)
        assert status == 0x0000
    finally:
        scp.terminate()
        scp.wait(timeout=10)


def test_our_scu_reports_rejection_with_the_peers_reason(pipeline):
    try:
        radloop.echo("127.0.0.1", pipeline.dicom_port, called_ae="SOMEONE_ELSE")
    except radloop.RadloopError as error:
        assert error.code == "dicom_association_rejected"
        assert "Called AE Title Not Recognized" in str(error)
    else:
        raise AssertionError("association with a wrong AE title was accepted")
