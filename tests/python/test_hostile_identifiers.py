"""Identifiers a peer chooses, made to escape the storage root or a log line: UIDs and DICOMweb
paths with `../`, absolute paths, NUL, over-long values and shell metacharacters. Every instance
named that way is refused, nothing is written outside the storage root, and the daemon answers
the next request."""

from __future__ import annotations

import os
import subprocess

import pydicom
from pydicom.uid import generate_uid

from locations import peer
from pipeline_peers import ct_image, daemon_for, until

HOSTILE_UIDS = ["../../escaped", "/tmp/absolute", "1.2.3/../../4", "1.2.3;touch pwned", "1.2." + "9" * 70,
                "1.2.3\x00.4", "..", "1.2.3 $(id)"]


def files_outside(root, since: set) -> set:
    return {p for p in root.rglob("*") if p.is_file()} - since


def test_hostile_uids_never_name_a_path_and_the_daemon_goes_on(radloop_cli, tmp_path, peers):
    ris, ehr = peers
    daemon = daemon_for(radloop_cli, tmp_path, ris, ehr).start()
    try:
        before = {p for p in tmp_path.rglob("*") if p.is_file()}
        for n, uid in enumerate(HOSTILE_UIDS):
            path = ct_image(tmp_path / f"hostile{n}.dcm", "MRN1", "GENERAL", "ACC1", generate_uid())
            ds = pydicom.dcmread(path)
            ds.StudyInstanceUID = uid
            ds.save_as(path)
            before.add(path)
            out = subprocess.run([peer("storescu"), "-v", "-aec", "RADLOOP", "127.0.0.1", str(daemon.dicom), str(path)],
                                 capture_output=True, text=True, timeout=60)
            assert "Received Store Response (Success)" not in out.stdout + out.stderr, uid
        images = tmp_path / "images"
        new_files = files_outside(tmp_path, before)
        escaped = {p for p in new_files if images not in p.parents and p.name != "radloop.db"
                   and not p.name.startswith("radloop.db")}
        assert not escaped, f"files written outside the storage root: {escaped}"
        assert not (tmp_path.parent / "escaped").exists() and not os.path.exists("/tmp/absolute")

        for hostile in ["..%2F..%2Fetc%2Fpasswd", "%2Fetc%2Fpasswd", "1.2.3%00", "a" * 300]:
            # WADO-RS reads files: nothing by that name. QIDO-RS only searches: nothing matches.
            status, _ = daemon.get(f"/dicomweb/studies/{hostile}")
            assert status in (400, 404), (hostile, status)
            status, found = daemon.get(f"/dicomweb/studies/{hostile}/series")
            assert status in (400, 404) or (status in (200, 204) and not found), (hostile, status, found)
        good = ct_image(tmp_path / "good.dcm", "MRN1", "GENERAL", "ACC1", generate_uid())
        out = subprocess.run([peer("storescu"), "-v", "-aet", "CT;rm -rf /", "-aec", "RADLOOP", "127.0.0.1",
                              str(daemon.dicom), str(good)], capture_output=True, text=True, timeout=60)
        assert "Received Store Response (Success)" in out.stdout + out.stderr
        assert until(lambda: daemon.get("/health")[1].get("instances") == 1, timeout=30)
    finally:
        daemon.stop()
