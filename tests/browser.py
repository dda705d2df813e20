"""Headless Chromium for the browser tests (`-m browser`): where the binary is, how to launch it.

The tests need Playwright and a Chromium binary (`apt-get install chromium`, or
`AMMSIM_CHROMIUM=/path/to/chrome`); the `chromium` fixture in conftest.py skips them with the
reason when either is missing.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-default-apps",
    "--disable-domain-reliability",
]
"""Headless in a container, with nothing that phones home."""


def find_chromium() -> str | None:
    """A Chromium (or headless shell) binary: $AMMSIM_CHROMIUM, then the usual names on PATH."""
    given = os.environ.get("AMMSIM_CHROMIUM")
    if given:
        return given if Path(given).is_file() else None
    for name in (
        "chromium",
        "chromium-browser",
        "chromium-headless-shell",
        "google-chrome",
        "google-chrome-stable",
    ):
        path = shutil.which(name)
        if path:
            return path
    return None
