"""One run as plain data: replicates, failures, and the row `ammsim run` reproduces."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from sweep_cases import TINY, log_rows, reference_sweep, write_scenario

from sim.cli.main import main
from sim.sweep.flat import flatten
from sim.sweep.job import Job, failed_result, run_job


@pytest.fixture(scope="module")
def baseline(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return reference_sweep(tmp_path_factory)


def job(replicate: int, scenario: dict[str, Any] = TINY, **params: Any) -> Job:
    return Job(
        run=0,
        config=0,
        replicate=replicate,
        seed=11,
        blocks=None,
        params=params,
        sets={},
        scenario=scenario,
    )


def test_replicates_differ_and_each_is_reproducible() -> None:
    a, b, a2 = (run_job(job(k)) for k in (0, 1, 0))
    assert a.error is None and a.row["status"] == "ok"
    assert a.row == a2.row
    assert a.row["volume"] != b.row["volume"]
    assert a.row["pools.eth_usdc.fees"] > 0 and "slippage.mean_bps" in a.row


def test_a_run_that_raises_is_a_failed_row_not_an_exception() -> None:
    raw = copy.deepcopy(TINY)
    raw["agents"]["lps"]["capital"] = 1e-9  # validates; the first deposit then reverts
    res = run_job(job(0, raw, **{"pools.eth_usdc.fee_bps": 5}))
    assert res.error is not None and res.error.startswith("ScenarioError: ")
    assert res.row == {
        "config": 0,
        "pools.eth_usdc.fee_bps": 5,
        "seed": 11,
        "replicate": 0,
        "status": "failed",
        "error": res.error,
    }
    lost = failed_result(job(1, **{"pools.eth_usdc.fee_bps": 5}), "WorkerDied: gone")
    assert (lost.error, lost.row) == (
        "WorkerDied: gone",
        {
            "config": 0,
            "pools.eth_usdc.fee_bps": 5,
            "seed": 11,
            "replicate": 1,
            "status": "failed",
            "error": "WorkerDied: gone",
        },
    )


def test_sweep_row_is_reproduced_by_ammsim_run(baseline: Path, tmp_path: Path) -> None:
    scenario_file = write_scenario(tmp_path)
    row = next(r for r in log_rows(baseline) if (r["config"], r["replicate"]) == (3, 1))
    assert (row["pools.eth_usdc.fee_bps"], row["prices.ETH.sigma"], row["seed"]) == (30, 1.2, 11)
    argv = ["run", str(scenario_file), "--seed", "11", "--replicate", "1", "--quiet"]
    argv += ["--set", "pools.eth_usdc.fee_bps=30", "--set", "prices.ETH.sigma=1.2"]
    assert main([*argv, "--out", str(tmp_path / "out")]) == 0
    (summary_json,) = (tmp_path / "out").glob("tiny/*/summary.json")
    metrics = flatten(json.loads(summary_json.read_text()))
    shared = [k for k in row if k in metrics and k not in ("seed", "replicate")]
    assert len(shared) > 15
    assert {k: row[k] for k in shared} == {k: metrics[k] for k in shared}
