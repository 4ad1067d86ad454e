"""The walking skeleton end to end through the pybind11 module."""

from __future__ import annotations

import json

import pytest

import radloop


def test_smoke_scenario_is_valid_through_the_module(root, tmp_path):
    report_path = tmp_path / "smoke-report.json"
    report, summary = radloop.run_scenario(root / "scenarios" / "happy" / "smoke.yaml", report_path)

    assert report["valid"] is True, summary
    assert {c["name"]: c["valid"] for c in report["checks"]} == {
        "expectations": True,
        "no_silent_loss": True,
        "idempotence": True,  # the resent order reached the RIS once
        # No study and no report in the smoke test: nothing to judge, said as such, never a pass.
        "no_wrong_patient": "not_exercised",
        "everything_lands": "not_exercised",
        "reports_reach_chart": "not_exercised",
    }
    # Every step has an invocation and a completion, in order.
    history = report["history"]
    assert [op["type"] for op in history[:2]] == ["invoke", "ok"]
    assert len(history) == 2 * 6 + 2  # and the simulated RIS accessioning the order the EHR placed
    # The system ran on ephemeral loopback ports.
    assert report["system"]["host"] == "127.0.0.1"
    assert report["system"]["mllp_port"] > 0 and report["system"]["dicom_port"] > 0
    # The file written is the same report.
    assert json.loads(report_path.read_text())["valid"] is True
    assert "verdict: PASS" in summary


def test_bad_scenario_raises_with_location(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("scenario: x\nsteps:\n  - name: nothing to do\n")
    try:
        radloop.run_scenario(bad)
    except radloop.RadloopError as error:
        assert error.code == "scenario_invalid"
        assert "steps[0]" in error.where
    else:
        raise AssertionError("an invalid scenario ran")


def test_a_failing_expectation_gives_an_invalid_verdict(tmp_path):
    scenario = tmp_path / "expect-wrong.yaml"
    scenario.write_text(
        "scenario: expect-wrong\n"
        "steps:\n"
        "  - name: not HL7, yet AA expected\n"
        "    hl7_send: {message: 'garbage'}\n"
        "    expect: {ack: AA}\n"
    )
    report, _ = radloop.run_scenario(scenario)
    assert report["valid"] is False
    assert report["history"][-1]["value"]["ack"] == "AR"


def test_a_scenario_file_reads_without_running(root):
    scenario = radloop.load_scenario(root / "scenarios" / "network" / "reset_mid_frame.yaml")
    assert scenario["name"] == "reset_mid_frame"
    assert scenario["links"] == ["system_to_ehr"]
    assert scenario["teaches"]["failure"].startswith("a connection reset")
    cut = next(s for s in scenario["steps"] if s["action"] == "link.fault")
    assert cut["does"] == "on link system_to_ehr, reset on its messages (after_bytes=60)"
    assert scenario["steps"][0]["expect"] == {"ack": "AA"} and scenario["steps"][0]["line"] > 0
    assert "reset on its messages" in scenario["explained"]


def test_a_wrong_scenario_file_is_an_error_naming_where(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("scenario: x\nlinks: [ehr_to_system]\nsteps:\n  - link.fault: {link: ehr_to_system, type: lag}\n")
    with pytest.raises(radloop.RadloopError, match=r"bad.yaml:4.*lag"):
        radloop.load_scenario(bad)
