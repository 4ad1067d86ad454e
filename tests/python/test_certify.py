"""radloop certify: a profile's scenarios against a system started apart from radloop, reached only
through an endpoints file, as a vendor's system would be. The reference pipeline as its own process
passes every profile, one after another on the same store (each scenario in its own identifier
namespace); a plain DCMTK storescp, which stores but reconciles nothing, gets failures and unknowns
that say why, and never a pass."""

from __future__ import annotations

import hashlib
import json
import subprocess

import pytest

from pipeline_peers import dcmtk_storescp
from test_external_sut import endpoints, free_port, reference_process  # noqa: F401  (a fixture)


def certify(radloop_cli, root, profile, sut, report_dir, *extra):
    return subprocess.run([str(radloop_cli), "certify", "--profile", profile, "--sut", sut, "--report", str(report_dir),
                           "-q", *extra], capture_output=True, text=True, timeout=900, cwd=root)


def sha256(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_lists_the_profiles_and_their_roles(radloop_cli, root):
    done = subprocess.run([str(radloop_cli), "certify", "--list"], capture_output=True, text=True, timeout=60, cwd=root)
    assert done.returncode == 0, done.stderr
    names = {line.split()[0] for line in done.stdout.splitlines()}
    assert {"image_manager", "report_manager", "order_to_chart"} <= names
    assert "Image Archive" in done.stdout


def test_the_reference_as_a_process_passes_every_profile(radloop_cli, root, tmp_path, reference_process):  # noqa: F811
    daemon, ris_port, ehr_port = reference_process
    sut = endpoints(tmp_path, "reference process", daemon.mllp, daemon.dicom, "RADLOOP", ris_port, ehr_port,
                    f"observe: {{radloop_api: 'http://127.0.0.1:{daemon.http}', c_find: true}}")
    suffixes = set()
    for profile in ("image_manager", "report_manager", "order_to_chart"):
        out = tmp_path / profile
        done = certify(radloop_cli, root, profile, sut, out)
        assert done.returncode == 0, done.stdout + done.stderr
        report = json.loads((out / "conformance.json").read_text())["conformance"]
        assert report["valid"] is True
        assert report["profile"]["name"] == profile and report["profile"]["role"]
        assert report["profile"]["sha256"] == sha256(root / "harness" / "profiles" / f"{profile}.yaml")
        assert report["system_under_test"]["name"] == "reference process"
        assert report["system_under_test"]["endpoints_sha256"] == sha256(tmp_path / "reference process.yaml")
        assert report["radloop_version"]
        assert report["unknowns"] == [] and report["failures"] == []
        assert len(report["scenarios"]) == 10
        for scenario in report["scenarios"]:
            assert scenario["sha256"] == sha256(root / scenario["file"])
            assert scenario["valid"] is True
            assert {c["name"] for c in scenario["checks"]} >= {"expectations", "no_silent_loss", "idempotence",
                                                                "no_wrong_patient", "everything_lands",
                                                                "reports_reach_chart"}
            suffixes.add(scenario["id_suffix"])
        assert (out / "conformance.md").read_text().startswith(f"# Conformance report: {profile}")
        assert (out / "index.html").exists() and (out / "junit.xml").exists()
    # One store, thirty scenarios: each ran in its own namespace.
    assert len(suffixes) == 30 and "" not in suffixes


def test_a_plain_storescp_gets_failures_and_unknowns_never_a_pass(radloop_cli, root, tmp_path):
    (tmp_path / "in").mkdir()
    with dcmtk_storescp(radloop_cli, tmp_path / "in", ae="ARCHIVE") as port:
        sut = endpoints(tmp_path, "storescp", free_port(), port, "ARCHIVE", free_port(), free_port(),
                        "observe: {c_find: true}")
        done = certify(radloop_cli, root, "image_manager", sut, tmp_path / "out", "--max-wait", "1")
    assert done.returncode not in (0, 3), done.stdout + done.stderr  # a verdict, and not a pass
    report = json.loads((tmp_path / "out" / "conformance.json").read_text())["conformance"]
    assert report["valid"] is False
    assert report["failures"], "nobody took the HL7 orders: the expectations must fail"
    assert any(f["check"] == "expectations" for f in report["failures"])
    # What storescp cannot show is unknown, each with the reason.
    unknown = {(u["scenario"], u["check"]): u["why"] for u in report["unknowns"]}
    assert unknown, "storescp exposes no link, no inbound log: some checks must be unknown"
    assert all(why and all(isinstance(w, str) and w for w in why) for why in unknown.values())
    assert any(check == "no_silent_loss" or check == "idempotence" for _, check in unknown)
    assert all(s["valid"] is not True for s in report["scenarios"])
    assert "Unknown: the system showed nothing" in (tmp_path / "out" / "conformance.md").read_text()


def test_a_profile_naming_a_missing_scenario_is_refused_before_anything_runs(radloop_cli, root, tmp_path):
    profile = tmp_path / "bad.yaml"
    profile.write_text("profile: bad\nrole: nobody\nscenarios: [happy/no_such_file.yaml]\n")
    done = certify(radloop_cli, root, str(profile), "reference", tmp_path / "out")
    assert done.returncode == 3 and "no_such_file" in done.stderr
    assert not (tmp_path / "out" / "conformance.json").exists()


@pytest.mark.parametrize(("text", "where"), [
    ("role: r\nscenarios: [a.yaml]\n", "profile"),
    ("profile: p\nscenarios: [a.yaml]\n", "role"),
    ("profile: p\nrole: r\n", "scenarios"),
    ("profile: p\nrole: r\nscenarios: [a.yaml]\nextra: 1\n", "extra"),
])
def test_a_malformed_profile_is_an_error_naming_where(radloop_cli, root, tmp_path, text, where):
    profile = tmp_path / "p.yaml"
    profile.write_text(text)
    done = certify(radloop_cli, root, str(profile), "reference", tmp_path / "out")
    assert done.returncode == 3
    assert "p.yaml" in done.stderr and where in done.stderr
