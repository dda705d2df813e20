"""Headless Chromium for the browser tests (`-m browser`): where the binary is, how to launch it.

`serve` runs `ammsim viz` on a free port for a test. The tests need Playwright and a Chromium binary (`apt-get install chromium`, or
`AMMSIM_CHROMIUM=/path/to/chrome`); the `chromium` fixture in conftest.py skips them with the
reason when either is missing.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def stop(proc: subprocess.Popen[str]) -> int | None:
    """Ctrl-C (SIGINT) the server; returns its exit code, or None if it had to be killed."""
    if proc.poll() is not None:
        return proc.returncode
    proc.send_signal(signal.SIGINT)
    try:
        return proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        return None


@contextlib.contextmanager
def serve(*args: str) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """`ammsim viz ARGS` on a free localhost port until the block ends; yields (the printed
    URL, with its token; the process)."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "sim.cli", "viz", *args, "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        printed, match = "", None
        while match is None:  # the URL line (with its token) comes before the server answers
            line = proc.stdout.readline()  # type: ignore[union-attr]
            if not line:
                raise AssertionError(f"ammsim viz printed no URL with a token:\n{printed}")
            printed += line
            match = re.search(r"at (http://127\.0\.0\.1:\d+/\?token=[\w-]+) ", line)
        url = match.group(1)
        deadline = time.monotonic() + 40
        while True:
            if proc.poll() is not None:
                raise AssertionError(
                    f"ammsim viz exited with {proc.returncode}:\n{proc.stdout.read()}"
                )  # type: ignore[union-attr]
            try:
                with urllib.request.urlopen(url, timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError("ammsim viz did not answer within 40 s")
            time.sleep(0.3)
        yield url, proc
    finally:
        stop(proc)
