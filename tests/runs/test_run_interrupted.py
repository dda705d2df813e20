"""A run stopped by Ctrl-C or SIGTERM says where its unfinished folder is, marks it, exits 130/143."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import ROOT


@pytest.mark.parametrize(
    ("sig", "code", "reason"),
    [
        (signal.SIGINT, 130, "run interrupted: KeyboardInterrupt"),
        (signal.SIGTERM, 143, "run interrupted: Terminated: SIGTERM"),
    ],
)
def test_an_interrupted_run_names_its_partial_folder(
    sig: signal.Signals, code: int, reason: str, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "sim.cli", "run", str(ROOT / "scenarios" / "quickstart.toml")]
    cmd += ["--blocks", "10000000", "--out", str(out), "--quiet"]
    env = dict(
        os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])
    )
    run = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    try:
        deadline = time.monotonic() + 60
        # events.csv is opened by the model: the run is inside its blocks
        while not list(out.glob("*/.*.partial/events.csv")) and time.monotonic() < deadline:
            assert run.poll() is None, run.stderr.read().decode()  # type: ignore[union-attr]
            time.sleep(0.1)
        run.send_signal(sig)
        _, err = run.communicate(timeout=30)
    finally:
        if run.poll() is None:
            run.kill()
            run.wait()
    (partial,) = out.glob("*/.*.partial")
    assert run.returncode == code
    text = err.decode()
    assert f"the unfinished run is in {partial}/" in text
    assert f"ammsim clean --outputs {out} --yes" in text
    assert "Traceback" not in text
    assert (partial / "INCOMPLETE").read_text() == reason + "\n"
