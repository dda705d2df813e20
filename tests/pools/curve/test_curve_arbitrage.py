"""StableSwap arbitrage sizing (sim/pools/curve/arbitrage.py): the best trade, and none inside the fee band."""

from __future__ import annotations

import pytest
from conftest import make_stableswap_pool as make_pool

from sim.pools.base import search_arb_amount_in
from sim.pools.curve.stableswap import StableSwapPool

pytestmark = pytest.mark.usefixtures("stableswap_kernel")


def profit(pool: StableSwapPool, t_in: str, t_out: str, price: float, amount: int) -> float:
    if amount == 0:
        return 0.0
    d_in = 10 ** pool.decimals[pool.index(t_in)]
    d_out = 10 ** pool.decimals[pool.index(t_out)]
    return pool.quote_exact_in(t_in, t_out, amount) / d_out * price - amount / d_in


@pytest.mark.parametrize("decimals", [(18, 18), (18, 6), (6, 18, 6)])
@pytest.mark.parametrize("price", [1.002, 1.01, 1.2])
def test_arb_amount_in_finds_the_best_trade(decimals: tuple[int, ...], price: float) -> None:
    pool = make_pool(decimals, A=200, fee=4_000_000, whole=(1_000_000,) * len(decimals))
    amount = pool.arb_amount_in("T0", "T1", price)
    assert amount > 0
    best = profit(pool, "T0", "T1", price, amount)
    assert best > 0
    for factor in (0.9, 0.99, 1.01, 1.1):
        assert profit(pool, "T0", "T1", price, int(amount * factor)) <= best
    baseline = search_arb_amount_in(pool, "T0", "T1", price)
    # equal up to the output's integer granularity: one unit of T1 is worth price / 10**dec
    unit = price / 10 ** pool.decimals[1]
    assert best >= profit(pool, "T0", "T1", price, baseline) - 2 * unit - 1e-9 * best


def test_arb_amount_in_is_zero_inside_the_fee_band() -> None:
    pool = make_pool((18, 6), fee=4_000_000)
    assert pool.arb_amount_in("T0", "T1", 1.0) == 0
    assert pool.arb_amount_in("T0", "T1", 1.0003) == 0  # 3 bps < 4 bps fee
    assert pool.arb_amount_in("T0", "T1", 0.5) == 0
    assert pool.arb_amount_in("T0", "T1", float("nan")) == 0
    assert pool.arb_amount_in("T0", "T1", 1.001) > 0
