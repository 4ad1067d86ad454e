"""Where things are: the repository, the build tree radloop is imported from, the peers."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BUILD_DIR = Path(os.environ.get("RADLOOP_BUILD_DIR", ROOT / "build" / "asan")).resolve()
if str(BUILD_DIR / "python") not in sys.path:
    sys.path.insert(0, str(BUILD_DIR / "python"))


def peer(name: str) -> str:
    """Path of an independent peer program; ci/setup.sh installs them all."""
    path = shutil.which(name)
    assert path, f"{name} is not installed; run ci/setup.sh"
    return path


def peer_env(**extra: str) -> dict[str, str]:
    """The environment for a peer program: ci/test.sh preloads ASan for the instrumented extension,
    and a peer is not ours to instrument (an ASan-preloaded curl can hang in setlocale at start)."""
    env = dict(os.environ, **extra)
    env.pop("LD_PRELOAD", None)
    return env
