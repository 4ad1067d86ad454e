"""The web console in a real headless browser (Debian's chromium, driven by puppeteer-core from
tests/console/drive.js): a person resolves a review item by clicking, and the API then shows the
study linked and the report sent to the EHR again, now naming the study."""

from __future__ import annotations

import subprocess

import hl7
from pydicom.uid import generate_uid

from locations import peer
from console_driver import drive
from pipeline_peers import ack_code, ct_image, daemon_for, oru, ris_order, send_hl7

def test_a_person_links_a_transposed_accession_in_the_console_and_the_report_goes_out_again(
        radloop_cli, tmp_path, peers):
    ris, ehr = peers
    token = "console-test-token"
    daemon = daemon_for(radloop_cli, tmp_path, ris, ehr, "--token", token).start()
    try:
        assert ack_code(send_hl7(daemon.mllp, ris_order("R1", "P1002", "ACC1002"))) == "AA"
        study_uid = generate_uid()
        image = ct_image(tmp_path / "ct.dcm", "MRN1", "GENERAL", "ACC1020", study_uid)  # two digits swapped
        sent = subprocess.run([peer("storescu"), "-aec", "RADLOOP", "127.0.0.1", str(daemon.dicom), str(image)],
                              capture_output=True, text=True, timeout=60)
        assert sent.returncode == 0, sent.stderr
        assert ack_code(send_hl7(daemon.mllp, oru("U1", "P1002", "ACC1002", "F", "Final read."))) == "AA"
        assert len(ehr.wait_for(1)) == 1

        status, body = daemon.get("/review")
        assert status == 401, "the API needs the token"
        status, body = daemon.get("/review", token)
        [item] = body["items"]
        assert item["reason"] == "accession_near_miss"
        candidate = item["candidates"][0]
        assert candidate["accession"] == "ACC1002"

        code, result, stderr = drive(f"http://127.0.0.1:{daemon.http}", token,
                                     {"resolve": {"item": item["id"], "order_id": candidate["order_id"]}})
        assert code == 0 and result["ok"], (result, stderr)

        status, linked = daemon.get(f"/review/{item['id']}", token)
        assert linked["state"] == "linked" and linked["order_id"] == str(candidate["order_id"])
        assert [a["action"] for a in linked["audit"]] == ["open", "link"]
        status, study = daemon.get(f"/fhir/ImagingStudy/{study_uid}", token)
        assert status == 200
        assert study["basedOn"][0]["reference"] == f"ServiceRequest/{candidate['order_id']}"
        again = ehr.wait_for(2)
        assert len(again) == 2, "the report was not sent again after the link"
        assert str(hl7.parse(again[1]).segment("ZDS")[1]).split("^")[0] == study_uid
        status, health = daemon.get("/health", token)
        assert health["review_open"] == 0 and health["orphans"] == 0
    finally:
        daemon.stop()
