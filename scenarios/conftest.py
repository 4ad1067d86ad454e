"""`pytest scenarios/`: every scenario file here is a test (see radloop.pytest_plugin)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BUILD_DIR = Path(os.environ.get("RADLOOP_BUILD_DIR", ROOT / "build" / "asan"))
sys.path.insert(0, str(BUILD_DIR / "python"))

from radloop.pytest_plugin import *  # noqa: E402,F401,F403  (the hooks and fixtures)
