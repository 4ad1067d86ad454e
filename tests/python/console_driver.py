"""Runs tests/console/drive.js: the web console in Debian's headless Chromium (ci/setup.sh
installs chromium and the pinned puppeteer-core)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

from locations import peer_env

ROOT = Path(__file__).resolve().parents[2]
DRIVER = ROOT / "tests" / "console" / "drive.js"


def drive(base_url: str, token: str, action: dict) -> tuple[int, dict, str]:
    """Runs the driver: exit status, its JSON result line, its stderr."""
    node = shutil.which("node")
    chromium = os.environ.get("CHROMIUM") or shutil.which("chromium")
    assert node and chromium, "node and chromium are missing; run ci/setup.sh"
    env = peer_env(CHROMIUM=chromium)
    done = subprocess.run(
        [node, str(DRIVER), base_url, token, json.dumps(action)],
        capture_output=True, text=True, timeout=90, env=env, cwd=ROOT,
    )
    lines = done.stdout.strip().splitlines()
    assert lines, f"the driver printed nothing (exit {done.returncode}): {done.stderr}"
    return done.returncode, json.loads(lines[-1]), done.stderr
