"""The plan: the [sweep] table extended by a request, validated before anything runs."""

from __future__ import annotations

import copy
import json
import math

import pytest
from sweep_cases import TINY

from sim.errors import UserInputError
from sim.sweep.plan import Plan, plan_sweep
from sim.sweep.request import SweepRequest


def test_plan_is_the_table_extended_by_arguments() -> None:
    raw = copy.deepcopy(TINY)
    raw["sweep"] = {"grid": {"pools.eth_usdc.fee_bps": [5, 30, 100]}, "seeds": 3}
    plan = plan_sweep(SweepRequest(raw, grid={"prices.ETH.sigma": [0.4, 0.8]}))
    assert plan.params == ["pools.eth_usdc.fee_bps", "prices.ETH.sigma"]
    assert plan.configs == [[f, s] for f in (5, 30, 100) for s in (0.4, 0.8)]
    assert (plan.seeds, plan.runs, plan.seed) == (3, 18, 7)
    # an argument replaces the table's values for the same path; --seeds overrides
    plan = plan_sweep(SweepRequest(raw, grid={"pools.eth_usdc.fee_bps": [1]}, seeds=2, seed=5))
    assert (plan.configs, plan.runs, plan.seed) == ([[1]], 2, 5)
    # a sample runs for every grid combination
    plan = plan_sweep(SweepRequest(raw, sample="lhs:4", ranges={"prices.ETH.sigma": [0.2, 1.0]}))
    assert len(plan.configs) == 12 and plan.params[-1] == "prices.ETH.sigma"
    # the plan survives sweep.json
    again = Plan.from_json(json.loads(json.dumps(plan.to_json())))
    assert again.configs == plan.configs and again.raw == plan.raw


def test_too_many_runs_is_refused_up_front() -> None:
    grid = {"pools.eth_usdc.fee_bps": list(range(1, 1002))}
    with pytest.raises(UserInputError, match=r"1,001,000 runs; at most 1,000,000"):
        plan_sweep(SweepRequest(TINY, grid=grid, seeds=1000))


def test_sample_points_are_reproducible_and_integer_fields_rounded() -> None:
    ranges = {"pools.eth_usdc.fee_bps": [1, 100], "prices.ETH.sigma": [0.2, 1.0]}
    plan = plan_sweep(SweepRequest(TINY, sample="lhs:20", ranges=ranges))
    fees = [c[0] for c in plan.configs]
    sigmas = [c[1] for c in plan.configs]
    assert all(type(f) is int and 1 <= f <= 100 for f in fees)
    assert all(type(s) is float for s in sigmas)
    assert sorted(math.floor((s - 0.2) / 0.8 * 20) for s in sigmas) == list(range(20))
    assert plan_sweep(SweepRequest(TINY, sample="lhs:20", ranges=ranges)).configs == plan.configs
    other = plan_sweep(SweepRequest(TINY, sample="lhs:20", ranges=ranges, seed=8))
    assert other.configs != plan.configs


def test_the_engine_is_checked_before_anything_runs() -> None:
    with pytest.raises(UserInputError, match="--engine must be local or dask, got 'ray'"):
        plan_sweep(SweepRequest(TINY, engine="ray"))
    with pytest.raises(UserInputError, match="--workers must be >= 1, got 0"):
        plan_sweep(SweepRequest(TINY, workers=0))
    plan = plan_sweep(SweepRequest(TINY, workers=3))
    assert (plan.engine, plan.workers, plan.scheduler, plan.configs, plan.runs) == (
        "local",
        3,
        None,
        [[]],
        1,
    )


def test_a_sample_and_its_ranges_come_together() -> None:
    with pytest.raises(UserInputError, match="needs ranges"):
        plan_sweep(SweepRequest(TINY, sample="lhs:4"))
    with pytest.raises(UserInputError, match="no sample"):
        plan_sweep(SweepRequest(TINY, ranges={"prices.ETH.sigma": [0.2, 1.0]}))
    with pytest.raises(UserInputError, match="low < high"):
        plan_sweep(SweepRequest(TINY, sample="lhs:4", ranges={"prices.ETH.sigma": [1.0, 0.2]}))
