"""pytest set-up: import radloop from the build tree, and find the peers tests call."""

from __future__ import annotations

from pathlib import Path

import pytest

from locations import BUILD_DIR, ROOT, peer  # noqa: F401  (sys.path now holds the build tree)

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


@pytest.fixture()
def peers():
    """A fake RIS and a fake EHR: MLLP receivers that record and ACK."""
    from pipeline_peers import MllpReceiver

    ris, ehr = MllpReceiver(), MllpReceiver()
    yield ris, ehr
    ris.close()
    ehr.close()
