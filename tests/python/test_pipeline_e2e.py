"""The reference pipeline end to end through real sockets, with independent clients: python3-hl7
for HL7 over MLLP, DCMTK's findscu and storescu for DICOM, pydicom to build and read datasets.

EHR ORM -> pipeline -> RIS; RIS accessioned ORM -> worklist -> modality C-STORE -> reconcile;
RIS ORU -> EHR; then what the portal says about it (FHIR, QIDO-RS, landing)."""

from __future__ import annotations

import json
import subprocess

import hl7
import pydicom
from pydicom.uid import generate_uid

from locations import peer, peer_env
from pipeline_peers import ack_code, ct_image, daemon_for, ehr_order, msh, oru, pid, ris_order, segment, send_hl7, until

def test_an_order_goes_from_the_ehr_through_the_ris_modality_and_report_back_to_the_chart(
        radloop_cli, root, tmp_path, peers):
    ris, ehr = peers
    daemon = daemon_for(radloop_cli, tmp_path, ris, ehr).start()
    try:
        # The EHR registers the patient and orders; the pipeline forwards the order to the RIS.
        assert ack_code(send_hl7(daemon.mllp, msh("EHR", "ADT^A04", "A1") + segment("EVN", {1: "A04", 2: "20261122"})
                                 + pid("MRN1") + segment("PV1", {1: "1", 2: "O"}))) == "AA"
        assert ack_code(send_hl7(daemon.mllp, ehr_order("O1", "P100"))) == "AA"
        forwarded = hl7.parse(ris.wait_for(1)[0])
        assert str(forwarded.segment("MSH")[3]) == "RADLOOP"
        assert str(forwarded.segment("ORC")[2]) == "P100"

        # The RIS accessions it; the modality finds it on the worklist (DCMTK findscu).
        assert ack_code(send_hl7(daemon.mllp, ris_order("R1", "P100", "ACC100"))) == "AA"
        out = tmp_path / "worklist"
        out.mkdir()
        found = subprocess.run([peer("findscu"), "-W", "-X", "-od", str(out), "-aec", "RADLOOP",
                                "-k", "AccessionNumber", "-k", "PatientID", "-k", "IssuerOfPatientID",
                                "-k", "PatientName", "-k", "StudyInstanceUID",
                                "-k", "ScheduledProcedureStepSequence[0].Modality=CT",
                                "127.0.0.1", str(daemon.dicom)], capture_output=True, text=True, timeout=60)
        assert found.returncode == 0, found.stderr
        answers = [pydicom.dcmread(p) for p in sorted(out.glob("rsp*.dcm"))]
        assert [a.AccessionNumber for a in answers] == ["ACC100"]
        item = answers[0]
        study_uid = item.get("StudyInstanceUID") or generate_uid()

        # The modality copies patient and accession onto the images (DCMTK storescu sends them).
        series_uid = generate_uid()
        files = [ct_image(tmp_path / f"ct{n}.dcm", item.PatientID, item.IssuerOfPatientID, item.AccessionNumber,
                          study_uid, n, series_uid) for n in (1, 2, 3)]
        sent = subprocess.run([peer("storescu"), "-aec", "RADLOOP", "127.0.0.1", str(daemon.dicom),
                               *map(str, files)], capture_output=True, text=True, timeout=60)
        assert sent.returncode == 0, sent.stderr

        # The radiologist signs; the report reaches the chart with the study it is about.
        assert ack_code(send_hl7(daemon.mllp, oru("U1", "P100", "ACC100", "F", "No acute findings."))) == "AA"
        chart = hl7.parse(ehr.wait_for(1)[0])
        assert str(chart.segment("OBR")[25]) == "F"
        assert str(chart.segment("OBR")[18]) == "ACC100"
        assert str(chart.segment("ZDS")[1]).split("^")[0] == study_uid
        assert "No acute findings." in str(chart.segment("OBX")[5])

        # The portal tells the same story.
        status, bundle = daemon.get("/fhir/DiagnosticReport?identifier=ACC100")
        assert status == 200 and bundle["total"] == 1
        assert bundle["entry"][0]["resource"]["status"] == "final"
        status, studies = daemon.get("/dicomweb/studies?AccessionNumber=ACC100")
        assert status == 200 and len(studies) == 1
        assert studies[0]["00201208"]["Value"] == [3]
        status, order = daemon.get("/fhir/ServiceRequest?identifier=ACC100")
        assert order["entry"][0]["resource"]["status"] == "active"
        landed = until(lambda: len(daemon.get("/landing/ACC100")[1].get("stages", [])) == 7)
        assert landed, daemon.get("/landing/ACC100")
        status, health = daemon.get("/health")
        assert health["orphans"] == 0 and health["review_open"] == 0 and health["dead_letters"] == 0

        # What the portal serves is valid R4, by the `fhir` validator from npm.
        resources = [bundle["entry"][0]["resource"], order["entry"][0]["resource"]]
        resources.append(daemon.get("/fhir/" + resources[1]["subject"]["reference"])[1])
        resources.append(daemon.get(f"/fhir/ImagingStudy/{study_uid}")[1])
        paths = []
        for n, resource in enumerate(resources):
            paths.append(tmp_path / f"resource{n}.json")
            paths[-1].write_text(json.dumps(resource))
        env = peer_env(NODE_PATH=str(root / "build" / "npm" / "node_modules"))
        checked = subprocess.run(["node", str(root / "tests" / "fhir" / "validate.js"), *map(str, paths)],
                                 capture_output=True, text=True, timeout=120, env=env)
        assert checked.returncode == 0 and "INVALID" not in checked.stdout, checked.stdout + checked.stderr
    finally:
        daemon.stop()


def test_a_duplicate_resend_is_acked_and_reaches_the_chart_once(radloop_cli, tmp_path, peers):
    ris, ehr = peers
    daemon = daemon_for(radloop_cli, tmp_path, ris, ehr).start()
    try:
        assert ack_code(send_hl7(daemon.mllp, ris_order("R1", "P1", "ACC1"))) == "AA"
        for _ in range(3):
            assert ack_code(send_hl7(daemon.mllp, oru("U1", "P1", "ACC1", "F", "Final."))) == "AA"
        assert len(ehr.wait_for(1)) == 1
        until(lambda: len(ehr.received()) > 1, timeout=1.0)
        assert len(ehr.received()) == 1
    finally:
        daemon.stop()
