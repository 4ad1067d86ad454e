"""DICOM interop with DCMTK's own tools: C-ECHO both ways, and storescu C-STOREs into the pipeline.

GDCM's gdcmscu is a third peer in the C++ suite, which checks what landed rather than its exit code:
Debian 12's build (3.0.21) aborts after every A-RELEASE ("ProtocolStream as nullptr is invalid"),
even against DCMTK's storescp.
"""

from __future__ import annotations

import socket
import subprocess
import time

import radloop
from locations import peer


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


def write_ct_with_pydicom(path, patient_id="MRN777"):
    """A small CT image written by pydicom, not by DCMTK: the pipeline must read either."""
    from pydicom.dataset import Dataset, FileMetaDataset
    from pydicom.uid import ExplicitVRLittleEndian, generate_uid

    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.2"  # CT Image Storage
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = Dataset()
    ds.file_meta = meta
    ds.is_little_endian = True
    ds.is_implicit_VR = False
    ds.SOPClassUID = meta.MediaStorageSOPClassUID
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    ds.StudyInstanceUID = generate_uid()
    ds.SeriesInstanceUID = generate_uid()
    ds.PatientID = patient_id
    ds.IssuerOfPatientID = "GENERAL"
    ds.PatientName = "ROE^RICHARD"
    ds.AccessionNumber = "ACC777"
    ds.Modality = "CT"
    ds.Rows, ds.Columns = 4, 4
    ds.BitsAllocated, ds.BitsStored, ds.HighBit = 16, 16, 15
    ds.SamplesPerPixel = 1
    ds.PixelRepresentation = 0
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.PixelData = bytes(range(32))
    ds.save_as(str(path), write_like_original=False)
    return ds


def test_dcmtk_storescu_stores_a_pydicom_file_in_the_pipeline(tmp_path):
    import pydicom

    sent = write_ct_with_pydicom(tmp_path / "ct.dcm")
    storage = tmp_path / "storage"
    with radloop.running_pipeline(storage_dir=str(storage)) as p:
        result = run(peer("storescu"), "-v", "-R", "-aet", "CT_SCANNER_1", "-aec", p.ae_title, "127.0.0.1",
                     str(p.dicom_port), str(tmp_path / "ct.dcm"))
        assert result.returncode == 0, result.stderr
        assert "Received Store Response (Success)" in result.stderr + result.stdout
        assert p.stats()["instances_stored"] == 1
    stored = storage / sent.StudyInstanceUID / sent.SeriesInstanceUID / f"{sent.SOPInstanceUID}.dcm"
    assert stored.exists()
    back = pydicom.dcmread(str(stored))
    assert back.PatientID == "MRN777"
    assert back.SOPInstanceUID == sent.SOPInstanceUID
    assert back.PixelData == sent.PixelData
    assert not list((storage / ".incoming").iterdir())


def test_dcmtk_storescu_is_refused_when_no_storage_is_configured(pipeline, tmp_path):
    write_ct_with_pydicom(tmp_path / "ct.dcm")
    result = run(peer("storescu"), "-v", "-R", "-aet", "CT_SCANNER_1", "-aec", pipeline.ae_title, "127.0.0.1",
                 str(pipeline.dicom_port), str(tmp_path / "ct.dcm"))
    assert "Received Store Response (Refused: OutOfResources)" in result.stderr + result.stdout, result.stderr + result.stdout
    assert pipeline.stats()["store_failures"] == 1


def test_dcmtk_findscu_finds_the_stored_study_at_study_and_image_level(tmp_path):
    """Did it land? Asked in DICOM: Study Root C-FIND over what the pipeline stored."""
    import pydicom

    sent = write_ct_with_pydicom(tmp_path / "ct.dcm")
    with radloop.running_pipeline(storage_dir=str(tmp_path / "storage")) as p:
        stored = run(peer("storescu"), "-aet", "CT_SCANNER_1", "-aec", p.ae_title, "127.0.0.1", str(p.dicom_port),
                     str(tmp_path / "ct.dcm"))
        assert stored.returncode == 0, stored.stderr
        for level, keys in (("STUDY", ["PatientID=MRN777", "StudyInstanceUID", "NumberOfStudyRelatedInstances"]),
                            ("IMAGE", [f"StudyInstanceUID={sent.StudyInstanceUID}",
                                       f"SeriesInstanceUID={sent.SeriesInstanceUID}", "SOPInstanceUID"])):
            out = tmp_path / level
            out.mkdir()
            args = [peer("findscu"), "-S", "-aet", "TESTER", "-aec", p.ae_title, "-X", "--output-directory", str(out),
                    "-k", f"QueryRetrieveLevel={level}"]
            for key in keys:
                args += ["-k", key]
            found = run(*args, "127.0.0.1", str(p.dicom_port))
            assert found.returncode == 0, found.stderr
            replies = [pydicom.dcmread(str(f)) for f in sorted(out.iterdir())]
            assert len(replies) == 1
            if level == "STUDY":
                assert replies[0].StudyInstanceUID == sent.StudyInstanceUID
                assert replies[0].NumberOfStudyRelatedInstances == 1
            else:
                assert replies[0].SOPInstanceUID == sent.SOPInstanceUID
        assert p.stats()["queries"] == 2
