"""pytest set-up: import radloop from the build tree, and find the peers tests call."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BUILD_DIR = Path(os.environ.get("RADLOOP_BUILD_DIR", ROOT / "build" / "asan"))
sys.path.insert(0, str(BUILD_DIR / "python"))

try:
    import radloop  # noqa: F401  (imported for its side effect: fail early and clearly)
except ImportError as error:  # pragma: no cover - a set-up problem, not a test result
    raise pytest.UsageError(
        f"cannot import radloop from {BUILD_DIR / 'python'} ({error}); build first with ci/build.sh, "
        "or set RADLOOP_BUILD_DIR to a build directory"
    ) from error


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def radloop_cli() -> Path:
    cli = BUILD_DIR / "harness" / "radloop"
    assert cli.exists(), f"{cli} is missing: build the radloop target"
    return cli


@pytest.fixture()
def pipeline():
    import radloop

    with radloop.running_pipeline() as p:
        yield p


def peer(name: str) -> str:
    """Path of an independent peer program; ci/setup.sh installs them all."""
    path = shutil.which(name)
    assert path, f"{name} is not installed; run ci/setup.sh"
    return path


@pytest.fixture()
def peers():
    """A fake RIS and a fake EHR: MLLP receivers that record and ACK."""
    from pipeline_peers import MllpReceiver

    ris, ehr = MllpReceiver(), MllpReceiver()
    yield ris, ehr
    ris.close()
    ehr.close()
