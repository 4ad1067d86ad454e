"""scenarios/scenario.schema.json: every catalog file validates against it, it refuses what the
scenario reader refuses, and it knows exactly the step actions the reader knows."""

from __future__ import annotations

import json
import re
import subprocess

import jsonschema
import pytest
import yaml


@pytest.fixture(scope="module")
def validator(root):
    schema = json.loads((root / "scenarios" / "scenario.schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def test_every_catalog_scenario_validates(root, validator):
    files = sorted((root / "scenarios").rglob("*.yaml"))
    assert len(files) >= 35
    for path in files:
        errors = [e.message for e in validator.iter_errors(yaml.safe_load(path.read_text()))]
        assert not errors, f"{path}: {errors}"


@pytest.mark.parametrize(
    "text",
    [
        "scenario: t\ncolour: red\nsteps: [{wait: 1}]\n",
        "scenario: t\nsteps: [{ehr.order: {placer: P1, mrn: M1, control: ZZ}}]\n",
        "scenario: t\nsteps: [{ehr.acks: {next: [OK]}}]\n",
        "scenario: t\nsteps: [{modality.acquire: {modality: CT1, faults: [melt]}}]\n",
        "scenario: t\nsteps: [{ris.report: {placer: P1, text: x, status: X}}]\n",
        "scenario: t\nsteps: []\n",
    ],
)
def test_what_the_reader_refuses_the_schema_refuses(tmp_path, radloop_cli, validator, text):
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    read = subprocess.run([str(radloop_cli), "explain", str(path)], capture_output=True, text=True, timeout=60)
    assert read.returncode != 0, read.stdout
    assert list(validator.iter_errors(yaml.safe_load(text))), "the schema let through what radloop refuses"


def test_the_schema_knows_the_readers_step_actions(tmp_path, radloop_cli, validator):
    path = tmp_path / "no-action.yaml"
    path.write_text("scenario: t\nsteps: [{name: nothing}]\n")
    read = subprocess.run([str(radloop_cli), "explain", str(path)], capture_output=True, text=True, timeout=60)
    listed = re.search(r"a step needs an action: (.*)", read.stderr)
    assert listed, read.stderr
    actions = {a.strip() for a in listed.group(1).split(",")}
    in_schema = set(validator.schema["$defs"]["step"]["properties"]) - {"name", "expect", "policy"}
    assert actions == in_schema
