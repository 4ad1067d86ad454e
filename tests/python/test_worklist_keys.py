"""A modality asks the worklist with the keys its site configures (worklist_keys): by Scheduled
Station AE Title, modality and date it gets its station's orders of the day, and none of another
station's."""

from __future__ import annotations

import radloop

SCENARIO = """
scenario: station_keys
seed: 107
actors:
  ris: {schedules_stations: true}
  modalities:
    CT_SCANNER_1: {modality: CT, worklist_keys: [station, modality, date]}
    CT_SCANNER_2: {modality: CT, worklist_keys: [station, modality, date]}
steps:
  - ehr.register: {mrn: MRN1071, family: DOE, given: JANE}
  - ehr.order: {placer: PL1071, mrn: MRN1071, family: DOE, given: JANE, modality: CT, scheduled: "20260302"}
  - ris.accessioned: {placer: PL1071}
  - name: the CT the order is scheduled on finds it
    modality.acquire: {modality: CT_SCANNER_1, placer: PL1071, study: MINE}
    expect: {status: success, accepted: 2}
  - name: another CT asking for its own station finds nothing
    modality.acquire: {modality: CT_SCANNER_2, placer: PL1071, study: OTHER}
    expect: {status: not_performed}
"""


def test_a_station_query_finds_its_own_orders_and_not_another_stations(tmp_path):
    path = tmp_path / "station_keys.yaml"
    path.write_text(SCENARIO)
    report, summary = radloop.run_scenario(path, max_wait=2.0)
    steps = {e["name"]: e for e in next(c for c in report["checks"] if c["name"] == "expectations")["evidence"]}
    assert steps["the CT the order is scheduled on finds it"]["valid"] is True, summary
    other = steps["another CT asking for its own station finds nothing"]
    assert other["valid"] is True, summary
    assert "the worklist answered 0" in other["observed"]["error"], summary
    invoked = [op for op in report["history"] if op["f"] == "modality.acquire" and op["type"] == "invoke"]
    assert invoked[0]["value"]["worklist_keys"] == ["station", "modality", "date"], summary


def test_a_date_key_needs_the_day_of_the_exam(tmp_path):
    path = tmp_path / "no_date.yaml"
    path.write_text(SCENARIO.replace(', scheduled: "20260302"', ""))
    report, summary = radloop.run_scenario(path, max_wait=2.0)
    acquired = [op for op in report["history"] if op["f"] == "modality.acquire" and op["type"] != "invoke"][0]
    assert "needs the day of the exam" in acquired["value"]["error"], summary
    assert report["valid"] is False, summary
