"""The store reaches its size limit (`--store-max-mb`, the way a full disk behaves): SQLite rolls
whole transactions back by itself. Whatever was answered AA or C-STORE success is kept, whatever
was refused is not, and an index row never points at a file that is gone."""

from __future__ import annotations

import re
import subprocess

import pydicom
from pydicom.uid import generate_uid

from locations import peer
from pipeline_peers import ack_code, ct_image, daemon_for, msh, segment, send_hl7


def filler(control: str, size: int) -> str:
    """A message no flow applies to: the inbound log keeps it whole, nothing else."""
    return msh("EHR", "MFN^M02", control) + segment("NTE", {1: "1", 3: "x" * size})


def store_answers(output: str) -> dict[str, bool]:
    """File → answered Success, from storescu's -v log."""
    answers, current = {}, None
    for line in output.splitlines():
        if m := re.search(r"Sending file: (.*)$", line):
            current = m.group(1).strip()
        elif "Received Store Response" in line and current:
            answers[current] = "(Success)" in line
            current = None
    return answers


def test_a_full_store_keeps_exactly_what_it_acknowledged(radloop_cli, tmp_path, peers):
    ris, ehr = peers
    daemon = daemon_for(radloop_cli, tmp_path, ris, ehr, "--store-max-mb", "1").start()
    try:
        # Fill the store with shrinking messages until even a small one is refused.
        answered = {}
        n = 0
        for size in (200_000, 20_000, 2_000, 200):
            while True:
                n += 1
                code = ack_code(send_hl7(daemon.mllp, filler(f"F{n}", size)))
                answered[f"F{n}"] = code
                if code != "AA":
                    break
                assert n < 400, "the store never filled"
        refused = [c for c, code in answered.items() if code != "AA"]
        assert all(answered[c] == "AE" for c in refused), answered
        for control, code in answered.items():
            status, body = daemon.get(f"/inbound?sender=EHR%5EGENERAL&control_id={control}")
            assert status == 200, body
            assert body["kept"] == (code == "AA"), f"{control} answered {code} but kept={body['kept']}"

        # Four modalities at once: their instances share transactions, so one that meets the full
        # store takes the others of its transaction with it, and each must hear so.
        study_uid = generate_uid()
        series_uid = generate_uid()
        batches, uids = [], {}
        for b in range(4):
            files = []
            for k in range(1, 16):
                path = ct_image(tmp_path / f"ct{b}-{k:02}.dcm", "MRN1", "GENERAL", "ACC1", study_uid, b * 100 + k,
                                series_uid)
                files.append(str(path))
                uids[str(path)] = pydicom.dcmread(path).SOPInstanceUID
            batches.append(files)
        senders = [subprocess.Popen([peer("storescu"), "-v", "-nh", "-aec", "RADLOOP", "127.0.0.1",
                                     str(daemon.dicom), *files], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                    text=True) for files in batches]
        answers, logs = {}, ""
        for sender in senders:
            _, log = sender.communicate(timeout=120)
            logs += log
            answers.update(store_answers(log))
        assert len(answers) == len(uids), logs
        assert not all(answers.values()), "the full store took every instance"
        assert "Refused: OutOfResources" in logs, logs

        status, instances = daemon.get(f"/dicomweb/studies/{study_uid}/instances")
        indexed = {i["00080018"]["Value"][0] for i in instances} if status == 200 else set()
        on_disk = {p.stem for p in (tmp_path / "images").rglob("*.dcm")}
        for f, success in answers.items():
            uid = uids[f]
            assert (uid in indexed) == success, f"{uid}: answered success={success}, indexed={uid in indexed}"
            assert (uid in on_disk) == success, f"{uid}: answered success={success}, file kept={uid in on_disk}"

        status, metrics = daemon.get("/metrics")
        lost = re.search(r"^radloop_store_transactions_lost_total (\d+)$", metrics.decode(), re.M)
        assert lost and int(lost.group(1)) >= 1, metrics
        # Still serving: the echo answers and reads go on.
        echo = subprocess.run([peer("echoscu"), "-aec", "RADLOOP", "127.0.0.1", str(daemon.dicom)],
                              capture_output=True, text=True, timeout=30)
        assert echo.returncode == 0, echo.stderr
    finally:
        daemon.stop()
