"""Running a plan: only the runs missing from the durable log, resumed after an interruption."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from sweep_cases import (
    SWEEP,
    TINY,
    interrupt_after,
    log_rows,
    only_sweep,
    reference_sweep,
    write_scenario,
)

from sim.sweep.execute import pending_jobs
from sim.sweep.plan import plan_sweep
from sim.sweep.request import SweepRequest
from sim.sweep.sweep import run_sweep


@pytest.fixture(scope="module")
def baseline(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return reference_sweep(tmp_path_factory)


def test_pending_jobs_are_the_runs_not_done_in_order() -> None:
    plan = plan_sweep(SweepRequest(TINY, **SWEEP))
    done = np.zeros(plan.runs, dtype=bool)
    done[[0, 3, 4]] = True
    jobs = list(pending_jobs(plan, done))
    assert [(j.run, j.config, j.replicate) for j in jobs] == [
        (1, 0, 1),
        (2, 1, 0),
        (5, 2, 1),
        (6, 3, 0),
        (7, 3, 1),
    ]
    assert jobs[2].params == {"pools.eth_usdc.fee_bps": 30, "prices.ETH.sigma": 0.4}
    assert {(j.seed, j.blocks, j.source) for j in jobs} == {(11, None, None)}
    assert all(j.scenario == plan.raw and j.sets == {} for j in jobs)


def test_resume_after_interruption_runs_exactly_the_missing_runs(
    baseline: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    scenario_file = write_scenario(tmp_path)
    with monkeypatch.context() as patch:
        interrupt_after(patch, rows=3)
        with pytest.raises(KeyboardInterrupt):
            run_sweep(SweepRequest(scenario_file, out=tmp_path, workers=1, **SWEEP))
    folder = only_sweep(tmp_path)
    assert len(log_rows(folder)) == 3 and not (folder / "results.csv").exists()
    with (folder / "results.jsonl").open("a") as f:
        f.write('{"config": 3, "replicate": 1, "sta')  # torn last line of a killed process
    result = run_sweep(SweepRequest(resume=folder, plots=False))
    rows = log_rows(folder)
    assert len(rows) == 8  # the 3 kept + the 5 missing, the torn line cut off
    assert sorted((r["config"], r["replicate"]) for r in rows) == [
        (c, k) for c in range(4) for k in range(2)
    ]
    assert (result.ok, result.failed) == (8, 0)
    assert (folder / "results.csv").read_bytes() == (baseline / "results.csv").read_bytes()
