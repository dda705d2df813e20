"""`--resume` connects only to a Dask scheduler named on its own command line, never to the one a
sweep folder's sweep.json names (the folder may come from a stranger; Dask's protocol unpickles)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from sweep_cases import write_scenario

from sim.cli.main import main
from sim.sweep.executors.factory import EXECUTORS
from sim.sweep.executors.serial import SerialExecutor
from sim.sweep.request import SweepRequest

HOSTILE = "tcp://203.0.113.9:8786"


@pytest.fixture
def dask_folder(tmp_path: Path) -> Path:
    """A finished 4-run sweep whose sweep.json now says it ran on HOSTILE, with 2 runs missing."""
    scenario = write_scenario(tmp_path)
    argv = ["sweep", str(scenario), "--out", str(tmp_path / "out"), "--workers", "1"]
    argv += ["--grid", "pools.eth_usdc.fee_bps=5,30", "--seeds", "2", "--blocks", "30"]
    assert main([*argv, "--no-plots", "--no-progress"]) == 0
    (folder,) = (tmp_path / "out" / "tiny").glob("sweep-*")
    plan = json.loads((folder / "sweep.json").read_text())
    plan["engine"] = {"name": "dask", "workers": None, "scheduler": HOSTILE}
    (folder / "sweep.json").write_text(json.dumps(plan))
    log = folder / "results.jsonl"
    log.write_text("".join(log.read_text().splitlines(keepends=True)[:2]))
    return folder


@pytest.fixture
def dask_requests(monkeypatch: pytest.MonkeyPatch) -> list[SweepRequest]:
    """The requests the dask executor is built from; the runs happen here, serially."""
    seen: list[SweepRequest] = []

    def recording(request: SweepRequest) -> Any:
        seen.append(request)
        return SerialExecutor(request)

    monkeypatch.setitem(EXECUTORS, "dask", recording)
    return seen


def test_resume_ignores_the_scheduler_sweep_json_names_and_says_so(
    dask_folder: Path, dask_requests: list[SweepRequest], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["sweep", "--resume", str(dask_folder), "--no-plots", "--no-progress"]) == 0
    (request,) = dask_requests
    assert request.engine == "dask" and request.scheduler is None  # a local cluster
    err = capsys.readouterr().err
    assert f"note: sweep.json names the Dask scheduler '{HOSTILE}'" in err
    assert "--scheduler" in err
    assert len((dask_folder / "results.jsonl").read_text().splitlines()) == 4


def test_resume_connects_to_the_scheduler_its_command_line_names(
    dask_folder: Path, dask_requests: list[SweepRequest], capsys: pytest.CaptureFixture[str]
) -> None:
    mine = "tcp://127.0.0.1:8786"
    argv = ["sweep", "--resume", str(dask_folder), "--scheduler", mine, "--no-plots"]
    assert main([*argv, "--no-progress"]) == 0
    assert [r.scheduler for r in dask_requests] == [mine]
    assert "names the Dask scheduler" not in capsys.readouterr().err


def test_resume_takes_at_most_this_machines_cpus_from_sweep_json(
    dask_folder: Path, dask_requests: list[SweepRequest]
) -> None:
    plan = json.loads((dask_folder / "sweep.json").read_text())
    plan["engine"]["workers"] = 10**6
    (dask_folder / "sweep.json").write_text(json.dumps(plan))
    assert main(["sweep", "--resume", str(dask_folder), "--no-plots", "--no-progress"]) == 0
    assert [r.workers for r in dask_requests] == [os.cpu_count() or 1]
