"""Every fault scenario can fail: run it against the reference pipeline with one defect switched
on (``radloop run --break``) and check that the checker that guards against that defect fails,
with evidence. A scenario that passed against a system that mishandles its fault would prove
nothing."""

from __future__ import annotations

import json

import pytest

import radloop

# scenario, defect, the checker that must catch it
CASES = [
    ("identifiers/transposed_accession", "drop_unmatched", "everything_lands"),
    ("identifiers/transposed_accession_uid_rescue", "ignore_zds", "expectations"),
    ("identifiers/blank_accession", "drop_unmatched", "everything_lands"),
    ("identifiers/wrong_accession", "link_on_accession", "no_wrong_patient"),
    ("identifiers/wrong_accession", "trust_study_uid", "no_wrong_patient"),
    ("identifiers/accession_collision", "link_on_accession", "expectations"),
    ("identifiers/blank_patient_id", "link_on_accession", "no_wrong_patient"),
    ("identifiers/foreign_patient_id", "link_on_accession", "no_wrong_patient"),
    ("identifiers/same_mrn_two_facilities", "link_on_accession", "no_wrong_patient"),
    ("identifiers/mrn_format_drift", "link_on_accession", "no_wrong_patient"),
    ("identifiers/worklist_wrong_patient", "worklist_shifted_patients", "expectations"),
    ("orders/images_before_order", "never_recheck", "expectations"),
    ("orders/order_changed_after_acquisition", "change_unlinks", "expectations"),
    ("orders/order_cancelled_after_acquisition", "cancel_drops_images", "everything_lands"),
    ("identity/a40_merge", "ignore_merges", "expectations"),
    ("identity/missed_a08", "names_must_agree", "reports_reach_chart"),
    ("reports/prelim_final_corrected", "first_report_only", "reports_reach_chart"),
    ("reports/prelim_final_corrected", "lose_reports", "no_silent_loss"),
    ("reports/late_addendum", "first_report_only", "reports_reach_chart"),
    ("reports/late_addendum", "drop_addendum_text", "reports_reach_chart"),
    ("reports/oru_unknown_order", "chart_unknown_reports", "reports_reach_chart"),
    ("reports/back_to_back_reports", "report_to_previous_patient", "reports_reach_chart"),
    ("reports/raw_line_breaks", "strict_line_breaks", "expectations"),
    ("reports/raw_line_breaks", "cut_at_line_break", "reports_reach_chart"),
    ("reports/sr_report", "ignore_dicom_reports", "reports_reach_chart"),
    ("reports/pdf_report", "ignore_dicom_reports", "reports_reach_chart"),
    ("reports/zds_study_uid", "ignore_zds", "expectations"),
    ("reports/report_before_images", "reports_need_images", "reports_reach_chart"),
    ("reports/order_to_chart", "first_report_only", "reports_reach_chart"),
    ("dicom/unknown_calling_ae", "accept_unknown_callers", "expectations"),
    ("dicom/unsupported_transfer_syntax", "accept_any_transfer_syntax", "expectations"),
    ("dicom/abort_mid_study", "refuse_duplicate_instances", "expectations"),
    ("dicom/duplicate_instances", "refuse_duplicate_instances", "expectations"),
    ("dicom/duplicate_sop_other_content", "overwrite_conflicting_instances", "expectations"),
    ("dicom/ae_title_case", "called_ae_any_case", "expectations"),
    ("delivery/ehr_nak", "no_retry", "reports_reach_chart"),
    ("delivery/ehr_lost_ack", "retry_with_new_id", "idempotence"),
    ("delivery/ehr_late_ack", "retry_with_new_id", "idempotence"),
    ("delivery/ehr_down_then_back", "no_retry", "reports_reach_chart"),
    ("delivery/duplicate_resend", "keep_duplicates", "idempotence"),
    ("happy/smoke", "keep_duplicates", "idempotence"),
    ("delivery/out_of_order", "first_report_only", "reports_reach_chart"),
    ("network/split_frames", "one_read_one_message", "expectations"),
    ("network/reset_mid_frame", "no_retry", "reports_reach_chart"),
    ("network/reset_mid_frame", "retry_with_new_id", "idempotence"),
    ("network/link_down_then_up", "no_retry", "reports_reach_chart"),
]


# The longest any step waits (seconds), so that runs expected to fail end soon: 2 s, or more where
# the scenario itself holds an answer back longer (the EHR's ACK comes 3 s late).
WAIT_CAP = {"delivery/ehr_late_ack": 6.0}


def wait_cap(scenario: str) -> float:
    return WAIT_CAP.get(scenario, 2.0)


@pytest.mark.parametrize(("scenario", "defect", "checker"), CASES, ids=[f"{s}-{d}" for s, d, _ in CASES])
def test_the_scenario_catches_the_defect(root, scenario, defect, checker):
    report, summary = radloop.run_scenario(
        root / "scenarios" / f"{scenario}.yaml", breaks=[defect], max_wait=wait_cap(scenario)
    )
    assert report["system"]["broken_on_purpose"] == [defect]
    checks = {c["name"]: c for c in report["checks"]}
    assert report["valid"] is False, summary
    assert checks[checker]["valid"] is False, summary
    # The verdict names its evidence: the entries (or steps) that decided it.
    evidence = checks[checker]["evidence"]
    assert evidence, summary
    if isinstance(evidence, list):
        assert any(e.get("valid") is False for e in evidence if isinstance(e, dict)), summary
    else:
        assert evidence.get("missing"), summary


@pytest.mark.parametrize("scenario", sorted({s for s, _, _ in CASES}))
def test_without_the_defect_the_scenario_passes_under_the_same_wait_cap(root, scenario):
    # The failure above is the defect's, not the shortened waits': the same run, unbroken, passes.
    report, summary = radloop.run_scenario(root / "scenarios" / f"{scenario}.yaml", max_wait=wait_cap(scenario))
    assert report["valid"] is True, summary


def test_refusing_a_report_for_an_unknown_order_with_ae_is_as_correct_as_holding_it(root):
    # The standard allows both answers to an ORU whose order nobody placed: AE with an error, or
    # AA and a review item. Neither charts it; both pass.
    report, summary = radloop.run_scenario(
        root / "scenarios" / "reports" / "oru_unknown_order.yaml", breaks=["refuse_unknown_reports"], max_wait=2.0
    )
    assert report["valid"] is True, summary
    checks = {c["name"]: c for c in report["checks"]}
    orphan = [e for e in checks["reports_reach_chart"]["evidence"] if e.get("orphan")]
    assert orphan and orphan[0]["valid"] is True, summary


def test_a_worklist_serving_the_wrong_patient_moves_no_truth(root):
    # The modality copies what the worklist says onto the images, as a real one does; the truth it
    # records stays the order it performed, and the disagreement is evidence of its own.
    path = root / "scenarios" / "identifiers" / "worklist_wrong_patient.yaml"
    report, summary = radloop.run_scenario(path, breaks=["worklist_shifted_patients"], max_wait=2.0)
    acquired = [op for op in report["history"] if op["f"] == "modality.acquire" and op["type"] != "invoke"][0]
    assert acquired["value"]["truth"]["patient_id"] == "MRN2122", summary
    assert acquired["value"]["sent_patient_id"] == "MRN2121", summary
    assert "MRN2121 (the order is for MRN2122)" in acquired["value"]["worklist_mismatch"], summary
    # An archive that then links on the accession alone files Richard Roe's images under Jane Doe.
    report, summary = radloop.run_scenario(path, breaks=["worklist_shifted_patients", "link_on_accession"],
                                           max_wait=2.0)
    checks = {c["name"]: c for c in report["checks"]}
    assert checks["no_wrong_patient"]["valid"] is False, summary
    assert "filed under patient MRN2121" in json.dumps(checks["no_wrong_patient"]["evidence"]), summary


def test_an_unknown_defect_is_refused_with_the_list(root):
    with pytest.raises(radloop.RadloopError) as error:
        radloop.run_scenario(root / "scenarios" / "happy" / "smoke.yaml", breaks=["melt_down"])
    assert "link_on_accession" in str(error.value)


def test_every_fault_scenario_has_a_defect_it_catches(root):
    covered = {scenario for scenario, _, _ in CASES}
    # What no defect switch reaches yet, said here rather than hidden: the happy paths (nothing to
    # mishandle), and faults whose mishandling the checkers cannot observe through the protocols.
    not_yet = {
        "happy/ct_worklist", "happy/mr_worklist", "happy/cr_worklist", "happy/us_worklist", "happy/mg_worklist",
        "orders/worklist_by_station",  # a worklist query by station and date; no defect reaches it yet
        "load/busy_day",  # a measurement; its faults are the other scenarios'
    }
    scenarios = {
        str(p.relative_to(root / "scenarios").with_suffix(""))
        for p in (root / "scenarios").rglob("*.yaml")
    }
    assert scenarios - covered - not_yet == set(), "a new fault scenario needs a row in CASES"
