"""Sizing the re-centring swap on exact executions (on forks of the pool), and waiting for the pool."""

from __future__ import annotations

import copy
import math
from typing import Any

import pytest
from range_lp_cases import (
    DEEP,
    NORMAL,
    agent,
    assert_adds_up,
    build,
    deployed_share,
    lp,
    pool_of,
    push_price,
    report,
    usd,
)

from agents.range_lp.sizing import SwapPlan, fork, must_wait
from agents.range_lp.spec import RangeLPSpec
from sim.pools.uniswap_v3.bands import rebalance_swap
from sim.pools.uniswap_v3.pool import ConcentratedPool
from sim.solve import solve_decreasing


def test_recentre_swap_is_sized_with_its_own_price_impact() -> None:
    """A +-1% band re-centred after a 3% move swaps about half of its 1M inventory. Sized at
    the pre-swap price (`rebalance_swap`, the old sizing) that swap moves the pool far
    enough to change the band's token ratio, and 16% of the inventory was left idle here;
    sized on exact executions the mint takes all but a rounding remainder."""
    model = build({**NORMAL, "narrow": lp("narrow_recentre", band_pct=1)})
    narrow = agent(model, "narrow")
    pool = pool_of(model)
    model.run_for(3)
    for factor in (1.03, 0.96):
        push_price(model, factor)  # the narrow band is left: all USDC, then all ETH
        assert not narrow.position.in_range()
        # the plan: out of range, the agent's own liquidity is not active, so the live pool
        # is the one the move will swap in
        a0, a1 = narrow.position.amounts()
        i0, i1 = narrow.inventory()
        tl, tu = narrow.band()
        side, guess = rebalance_swap(a0 + i0, a1 + i1, pool.sqrt_price_x96, tl, tu, 0.003)
        plan = narrow.planned_swap()
        assert plan.side == side == (1 if factor > 1 else 0)
        assert plan.amount == plan.wanted and plan.share > 0.9999
        assert plan.wanted < 0.95 * guess  # its own impact makes the right swap smaller
        moves, swaps = narrow.position.rebalances, narrow.position.swaps_done
        model.run_for(1)
        assert narrow.position.rebalances == moves + 1 and narrow.position.swaps_done == swaps + 1
        assert narrow.position.in_range()
        assert deployed_share(narrow) >= 0.999
        # the remainder is the mint's rounding margin, not an unswapped excess
        assert usd(narrow, *narrow.inventory()) < 1e-4 * narrow.position.capital
        model.run_for(2)
    rep = report(narrow)
    assert rep["deployed_at_mint_min_pct"] >= 99.9
    assert rep["rebalance_swaps_capped"] == 0 and rep["rebalances_postponed"] == 0
    assert rep["deployed_pct"] >= 99
    assert_adds_up(narrow)
    model.check()


def test_a_thin_pool_deploys_what_it_can_and_says_so() -> None:
    """With only 20M of full-range and 2M of +-5% liquidity, the pool cannot fill the whole
    re-centring swap within swap_slippage_bps even from its own price (at the reference
    here). The move waits max_wait_blocks for a deeper pool; none comes, so it swaps the
    largest part that fills, mints, and reports the capped swap and the idle remainder."""
    wait = 3
    model = build(
        {
            "full": lp("full_range", capital=20_000_000),
            "fixed": lp("fixed_band", band_pct=5, capital=2_000_000),
            "narrow": lp("narrow_recentre", band_pct=1, max_wait_blocks=wait),
        }
    )
    narrow = agent(model, "narrow")
    pool = pool_of(model)
    model.run_for(3)
    push_price(model, 1.03)
    plan = narrow.planned_swap()
    assert 0 < plan.amount < plan.wanted and plan.share < 0.95 and plan.thin
    # the capped swap is the largest that fills within the tolerance (to 2^-20 of it)
    assert pool.quote_exact_in("USDC", "ETH", plan.amount) >= narrow.sizer.min_out(
        pool, 1, plan.amount
    )
    more = plan.amount + (plan.wanted >> 19)
    assert pool.quote_exact_in("USDC", "ETH", more) < narrow.sizer.min_out(pool, 1, more)
    model.run_for(wait)
    assert (
        narrow.position.rebalances == 0
        and narrow.position.postponed == wait
        and not narrow.position.in_range()
    )
    model.run_for(1)
    assert (
        narrow.position.rebalances == 1
        and narrow.position.postponed == wait
        and narrow.position.in_range()
    )
    share = deployed_share(narrow)
    assert share == pytest.approx(plan.share, abs=1e-6)
    assert 0.5 < share < 0.95
    rep = report(narrow)
    assert rep["rebalance_swaps_capped"] == 1
    assert rep["deployed_at_mint_min_pct"] == pytest.approx(100 * share, abs=1e-4)
    assert rep["idle_end_pct"] > 5
    assert_adds_up(narrow)
    model.check()


def test_a_move_waits_while_the_pool_is_off_the_reference() -> None:
    """Two +-1% LPs leave their band in the same block. The first one's swap pushes the
    pool off the reference price; the second one's transaction then finds that it could
    fill only part of its own swap within the tolerance and reverts (a revert's gas) rather
    than mint a lopsided band, and waits. The arbitrageur brings the pool back to the edge
    of its fee band, still too rich to buy ETH from within the tolerance; once the
    reference moves on, the second LP deploys all of its inventory too. Waiting longer than
    max_wait_blocks: the pool is deep enough, only its price is off, so it never mints the
    sliver that would fill."""
    model = build(
        {
            **NORMAL,
            "n1": lp("narrow_recentre", band_pct=1, max_wait_blocks=2),
            "n2": lp("narrow_recentre", band_pct=1, max_wait_blocks=2),
            "arbs": {"kind": "arbitrageur", "count": 1, "capital": 20_000_000},
        }
    )
    n1, n2 = agent(model, "n1"), agent(model, "n2")
    model.run_for(3)
    push_price(model, 1.03)
    model.run_for(1)
    first, second = (n1, n2) if n1.position.rebalances else (n2, n1)
    assert first.position.rebalances == 1 and deployed_share(first) >= 0.999
    assert second.position.rebalances == 0 and model.metrics.agent(second.name).reverts == 1
    assert second.position.swaps_done == 0 and not second.position.in_range()
    model.run_for(5)
    assert second.position.rebalances == 0 and second.position.postponed == 5 and second.waited == 6
    plan = second.planned_swap()
    assert plan.amount < plan.wanted and not plan.thin  # the depth is there, the price is not
    model.prices.shock("ETH", 1.004)
    model.run_for(1)
    assert second.position.rebalances == 1 and second.position.in_range()
    assert deployed_share(second) >= 0.999
    rep = report(second)
    assert rep["rebalance_swaps_capped"] == 0 and rep["deployed_at_mint_min_pct"] >= 99.9
    for a in (first, second):
        assert_adds_up(a)
    model.check()


def test_solve_decreasing_finds_the_root_of_a_step_function() -> None:
    """The root finder on a decreasing function with plateaus (integer outputs) and -inf
    beyond a point (a pool that cannot fill): it returns an integer within eps of the root,
    or the last point at or above it."""
    root = 123_456_789_012_345

    def h(d: int) -> float:
        if d > 10 * root:
            return -math.inf
        return float((root - d) // 1_000) / root

    d = solve_decreasing(h, 0, h(0), 20 * root, h(20 * root), first=3 * root)
    assert h(d) == 0 and abs(d - root) < 1_000
    calls: list[int] = []

    def g(d: int) -> float:
        calls.append(d)
        return (root - d) / root

    d = solve_decreasing(g, 0, 1.0, 2 * root, -1.0, eps=0.0)
    assert d == root and len(calls) < 80


# ---------------------------------------------------------------------------- forks, not the live pool


def test_sizing_a_swap_never_touches_the_live_pool(monkeypatch: pytest.MonkeyPatch) -> None:
    """The plan of a due move burns the agent's liquidity and tries swaps on forks: no call
    that changes a pool reaches the live one, which is the same object in the same state."""
    model = build({**NORMAL, "narrow": lp("narrow_recentre", band_pct=1)})
    narrow = agent(model, "narrow")
    pool = pool_of(model)
    model.run_for(3)
    push_price(model, 1.03)
    before = copy.deepcopy(vars(pool))
    records = (dict(pool.ticks), dict(pool.positions))
    changed: list[ConcentratedPool] = []
    for name in ("burn", "swap_exact_in", "restore"):
        real = getattr(ConcentratedPool, name)

        def spy(self: ConcentratedPool, *args: Any, real: Any = real) -> Any:
            changed.append(self)
            return real(self, *args)

        monkeypatch.setattr(ConcentratedPool, name, spy)
    plan = narrow.planned_swap()
    assert len(changed) > 5 and all(p is not pool for p in changed)
    assert plan.side == 1 and plan.amount == plan.wanted > 0
    assert vars(pool) == before
    assert records == (pool.ticks, pool.positions)  # the same record objects
    assert all(pool.ticks[t] is r for t, r in records[0].items())


def test_a_fork_is_detached_and_exact() -> None:
    model = build({"full": DEEP})
    pool = pool_of(model)
    twin = fork(pool)
    assert twin is not pool and vars(twin) == vars(pool)
    assert twin.quote_exact_in("USDC", "ETH", 10**12) == pool.quote_exact_in("USDC", "ETH", 10**12)
    state = copy.deepcopy(vars(pool))
    out = twin.swap_exact_in("USDC", "ETH", 10**12).amount_out
    assert out == pool.quote_exact_in("USDC", "ETH", 10**12)
    assert vars(pool) == state and twin.sqrt_price_x96 != pool.sqrt_price_x96


@pytest.mark.parametrize(
    ("plan", "patient", "waits"),
    [
        (SwapPlan(-1, 0, 0, 1.0), False, False),  # no swap needed
        (SwapPlan(1, 0, 10, 0.5), False, True),  # not even a part fills: always wait
        (SwapPlan(1, 10, 10, 0.99), True, False),  # the mint takes >= min_deploy_pct
        (SwapPlan(1, 5, 10, 0.6, thin=False), True, True),  # capped, patient: wait
        (SwapPlan(1, 5, 10, 0.6, thin=False), False, True),  # off the reference: wait on
        (SwapPlan(1, 5, 10, 0.6, thin=True), False, False),  # too thin, waited enough
    ],
)
def test_must_wait(plan: SwapPlan, patient: bool, waits: bool) -> None:
    spec = RangeLPSpec.model_validate({"kind": "range_lp", "pool": "v3", "strategy": "fixed_band"})
    assert spec.min_deploy_pct == 95.0
    assert must_wait(plan, patient, spec) is waits
