"""The reports of a run of several scenarios: `radloop run FOLDER --report DIR` writes DIR/junit.xml
for CI and DIR/index.html for a person, which is opened here in Debian's headless Chromium
(tests/report/open_report.js, driven by puppeteer-core as tests/console/drive.js is)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

from locations import peer_env

ROOT = Path(__file__).resolve().parents[2]
OPEN_REPORT = ROOT / "tests" / "report" / "open_report.js"
TEACHES = "an A-ABORT in the middle of a study"


def open_report(page: Path) -> dict:
    """What headless Chromium shows of a report: open_report.js's JSON result line."""
    node = shutil.which("node")
    chromium = os.environ.get("CHROMIUM") or shutil.which("chromium")
    assert node and chromium, "node and chromium are missing; run ci/setup.sh"
    env = peer_env(CHROMIUM=chromium)
    done = subprocess.run([node, str(OPEN_REPORT), str(page)], capture_output=True, text=True, timeout=90, env=env,
                          cwd=ROOT)
    lines = done.stdout.strip().splitlines()
    assert lines, f"open_report.js printed nothing (exit {done.returncode}): {done.stderr}"
    result = json.loads(lines[-1])
    assert done.returncode == 0 and result["ok"], (result, done.stderr)
    return result


def scenarios(root: Path, folder: Path) -> tuple[str, str]:
    """A passing copy of abort_mid_study, and one that expects the EHR's first message refused
    (AR) where the system accepts it (AA). Returns their names."""
    folder.mkdir()
    text = (root / "scenarios" / "dicom" / "abort_mid_study.yaml").read_text()
    (folder / "abort_mid_study.yaml").write_text(text)
    assert "scenario: abort_mid_study\n" in text and "expect: {ack: AA}" in text
    wrong = text.replace("scenario: abort_mid_study\n", "scenario: abort_mid_study_expects_ar\n")
    wrong = wrong.replace("expect: {ack: AA}", "expect: {ack: AR}", 1)
    (folder / "expects_ar.yaml").write_text(wrong)
    return "abort_mid_study", "abort_mid_study_expects_ar"


def test_a_folder_run_writes_junit_and_an_html_report_a_browser_shows(radloop_cli, root, tmp_path):
    passing, failing = scenarios(root, tmp_path / "scenarios")
    out = tmp_path / "reports"
    done = subprocess.run([str(radloop_cli), "run", "-q", str(tmp_path / "scenarios"), "--report", str(out)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 1, done.stdout + done.stderr  # one scenario failed
    assert f"html: {out / 'index.html'}" in done.stdout
    assert f"junit: {out / 'junit.xml'}" in done.stdout
    assert (out / f"{passing}-report.json").exists() and (out / f"{failing}-report.json").exists()

    suites = ET.parse(out / "junit.xml").getroot()
    assert suites.tag == "testsuites"
    [suite] = suites.findall("testsuite")
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors"), suite.get("skipped")) == ("2", "1", "0",
                                                                                                     "0")
    cases = {case.get("name"): case for case in suite.findall("testcase")}
    assert set(cases) == {passing, failing}
    assert all(case.get("classname") == "radloop.scenarios" for case in cases.values())
    assert cases[passing].find("failure") is None and cases[passing].find("skipped") is None
    failure = cases[failing].find("failure")
    assert failure is not None and failure.get("message") == "failed: expectations"
    assert '"expect": {\n      "ack": "AR"\n    }' in failure.text

    page = open_report(out / "index.html")
    assert page["console_errors"] == [] and page["page_errors"] == [], page
    assert page["external_requests"] == [], "the report must stand alone"
    assert [(row["scenario"], row["verdict"], row["failed_checks"]) for row in page["summary"]] == [
        (passing, "PASS", ""), (failing, "FAIL", "expectations")]
    sections = {section["scenario"]: section for section in page["sections"]}
    assert set(sections) == {passing, failing}
    for name, section in sections.items():
        headers = {lane["header"] for lane in section["lanes"] if lane["visible"]}
        assert {"EHR", "RIS", "CT_SCANNER_1", "system under test"} <= headers, (name, section["lanes"])
        assert TEACHES in section["teaches"], section
    bad = sections[failing]
    assert bad["verdict"] == "FAIL"
    assert bad["op_failed"] >= 1, "the aborted association is drawn as a failed operation"
    assert bad["check_failed"] == ["expectations"]
    assert sections[passing]["check_failed"] == [] and sections[passing]["verdict"] == "PASS"


def test_html_and_junit_options_write_reports_of_a_single_scenario(radloop_cli, root, tmp_path):
    scenario = root / "scenarios" / "dicom" / "abort_mid_study.yaml"
    html, junit = tmp_path / "page" / "run.html", tmp_path / "ci" / "run.xml"
    done = subprocess.run([str(radloop_cli), "run", "-q", str(scenario), "--report", str(tmp_path / "r.json"), "--html",
                           str(html), "--junit", str(junit)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"html: {html}" in done.stdout and f"junit: {junit}" in done.stdout
    assert not (tmp_path / "index.html").exists()
    [case] = ET.parse(junit).getroot().iter("testcase")
    assert case.get("name") == "abort_mid_study" and case.get("classname") == "radloop.dicom"
    assert len(case) == 1 and case[0].tag == "system-out", "a pass has no failure and no skipped"
    text = html.read_text()
    assert 'id="run-0"' in text and 'data-scenario="abort_mid_study"' in text
