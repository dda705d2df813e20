"""Sandwich sizing (agents/sandwicher.py) works on forks: the live pool is only read."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import make_stableswap_pool

from agents.sandwicher import plan_sandwich
from sim.pools.base import Pool
from sim.pools.uniswap_v2.pair import ConstantProductPool
from sim.pools.uniswap_v3.pool import ConcentratedPool

E18 = 10**18


def v2() -> Pool:
    pool = ConstantProductPool("v2", ("T0", "T1"), (18, 18), 30)
    pool.mint("lp", 1_000 * E18, 1_000 * E18)
    return pool


def curve() -> Pool:
    return make_stableswap_pool((18, 18), A=50, fee=4_000_000, whole=(1_000, 1_000))


def v3() -> Pool:
    pool = ConcentratedPool.from_price("v3", ("T0", "T1"), (18, 18), 3000, 1.0)
    pool.mint("lp", -1200, 1200, 10**22)
    pool.mint("lp", -60, 60, 10**22)
    return pool


def frozen(pool: Pool, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make any write to the live pool's books, or a rollback of them, fail the test."""
    cls = type(pool)
    for method in ("snapshot", "restore", "swap_exact_in", "apply_swap"):
        real = getattr(cls, method)

        def guarded(self: Pool, *args: Any, _real: Any = real, **kwargs: Any) -> Any:
            if self is pool:
                raise AssertionError("the searcher touched the live pool")
            return _real(self, *args, **kwargs)

        monkeypatch.setattr(cls, method, guarded)


@pytest.mark.parametrize("make", [v2, curve, v3])
def test_the_plan_is_sized_on_forks_and_is_what_executing_it_gives(
    make: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    pool = make()
    victim_in = 100 * E18
    alone = pool.quote_exact_in("T0", "T1", victim_in)
    min_out = alone * 98 // 100
    live = pool.fork()  # to execute the plan on afterwards
    frozen(pool, monkeypatch)
    plan = plan_sandwich(pool, "T0", "T1", victim_in, min_out, budget=500 * E18)
    assert plan is not None and plan.gross > 0
    assert plan.victim_out_alone == alone
    assert live.swap_exact_in("T0", "T1", plan.front_in).amount_out == plan.front_out
    assert live.swap_exact_in("T0", "T1", victim_in, min_out).amount_out == plan.victim_out
    assert live.swap_exact_in("T1", "T0", plan.front_out).amount_out == plan.back_out
    assert plan.victim_out >= min_out
    assert pool.quote_exact_in("T0", "T1", victim_in) == alone  # the live pool did not move
