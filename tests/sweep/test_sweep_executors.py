"""Executors: serial, processes and Dask give identical rows; worker deaths and Ctrl-C."""

from __future__ import annotations

import concurrent.futures as cf
import importlib
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sweep_cases import SWEEP, TINY, interrupt_after, log_rows, reference_sweep, write_scenario

from sim.errors import UserInputError
from sim.sweep.executors import processes
from sim.sweep.executors.factory import EXECUTORS, executor_kind, make_executor
from sim.sweep.executors.forkserver import PRELOAD
from sim.sweep.executors.processes import ProcessExecutor
from sim.sweep.executors.serial import SerialExecutor
from sim.sweep.job import Job, run_job
from sim.sweep.request import SweepRequest
from sim.sweep.sweep import run_sweep


@pytest.fixture(scope="module")
def scenario_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_scenario(tmp_path_factory.mktemp("scenario"))


@pytest.fixture(scope="module")
def baseline(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return reference_sweep(tmp_path_factory)


@pytest.fixture(scope="module")
def dask_scheduler() -> Iterator[str]:
    distributed = pytest.importorskip("dask.distributed")
    cluster = distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        host="127.0.0.1",
    )
    try:
        yield cluster.scheduler_address
    finally:
        cluster.close()


def test_engines_and_worker_counts_give_identical_files(
    baseline: Path, scenario_file: Path, tmp_path: Path, dask_scheduler: str
) -> None:
    expected = (baseline / "results.csv").read_bytes()
    expected_summary = (baseline / "summary.csv").read_bytes()
    pool = run_sweep(
        SweepRequest(scenario_file, out=tmp_path / "pool", workers=2, plots=False, **SWEEP)
    )
    dask = run_sweep(
        SweepRequest(
            scenario_file,
            out=tmp_path / "dask",
            engine="dask",
            scheduler=dask_scheduler,
            plots=False,
            **SWEEP,
        )
    )
    for result in (pool, dask):
        assert (result.ok, result.failed) == (8, 0)
        assert (result.path / "results.csv").read_bytes() == expected
        assert (result.path / "summary.csv").read_bytes() == expected_summary
    assert json.loads((dask.path / "sweep.json").read_text())["engine"]["name"] == "dask"


def test_the_factory_picks_the_executor_from_engine_and_workers() -> None:
    assert executor_kind(SweepRequest(TINY, workers=1)) == "serial"
    assert executor_kind(SweepRequest(TINY, workers=2)) == "processes"
    assert executor_kind(SweepRequest(TINY, engine="local", workers=3)) == "processes"
    assert executor_kind(SweepRequest(TINY, engine="dask", workers=1)) == "dask"
    default = "serial" if (os.cpu_count() or 1) == 1 else "processes"
    assert executor_kind(SweepRequest(TINY)) == default
    assert set(EXECUTORS) == {"serial", "processes", "dask"}
    assert isinstance(make_executor(SweepRequest(TINY, workers=1)), SerialExecutor)
    pool = make_executor(SweepRequest(TINY, workers=3))
    assert isinstance(pool, ProcessExecutor) and pool.workers == 3


def test_missing_dask_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "dask.distributed", None)
    with pytest.raises(UserInputError, match=r"pip install ammsim\[dask\]"):
        make_executor(SweepRequest(TINY, engine="dask", workers=2))


def test_the_serial_executor_yields_each_row_in_order() -> None:
    jobs = [
        Job(run=k, config=0, replicate=k, seed=11, blocks=40, params={}, sets={}, scenario=TINY)
        for k in range(3)
    ]
    rows = [res.row for res in SerialExecutor(SweepRequest(TINY, workers=1)).run(jobs)]
    assert [r["replicate"] for r in rows] == [0, 1, 2]
    assert rows == [run_job(j).row for j in jobs]


def test_the_forkserver_preloads_what_a_worker_runs() -> None:
    assert PRELOAD[0] == "__main__"
    for name in PRELOAD[1:]:
        importlib.import_module(name)
    assert {run_job.__module__, processes._init_worker.__module__} <= set(PRELOAD)


def test_interrupt_ends_the_workers_at_once(
    scenario_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C stops the pool's workers instead of letting them run out the long runs they hold
    (those are redone by --resume), so the sweep exits at once."""
    import multiprocessing
    import time

    before = set(multiprocessing.active_children())
    interrupt_after(monkeypatch, rows=1)  # after the first short run, long ones in flight
    with pytest.raises(KeyboardInterrupt):
        run_sweep(
            SweepRequest(
                scenario_file,
                out=tmp_path,
                workers=2,
                grid={"scenario.blocks": [20, 300_000]},
                seeds=2,
                plots=False,
            )
        )
    deadline = time.monotonic() + 10
    while True:
        left = [p for p in multiprocessing.active_children() if p not in before]
        if not left or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert left == [], f"{len(left)} worker(s) still running after the interrupt"


class DyingPool(cf.ProcessPoolExecutor):
    """A process pool whose worker dies (os._exit) whenever it is given run (0, 1)."""

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> cf.Future[Any]:
        job = args[0]
        if (job.config, job.replicate) == (0, 1):
            return super().submit(os._exit, 3)
        return super().submit(fn, *args, **kwargs)


def test_a_killed_worker_fails_only_its_own_run(
    scenario_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(processes, "ProcessPoolExecutor", DyingPool)
    result = run_sweep(
        SweepRequest(
            scenario_file,
            out=tmp_path,
            workers=2,
            grid={"pools.eth_usdc.fee_bps": [5, 30]},
            seeds=2,
            plots=False,
        )
    )
    assert (result.ok, result.failed) == (3, 1)
    rows = {(r["config"], r["replicate"]): r for r in log_rows(result.path)}
    assert rows[0, 1]["status"] == "failed" and rows[0, 1]["error"].startswith("WorkerDied")
    assert len(rows) == 4
