"""LiquidityAmounts (sim/pools/uniswap_v3/liquidity_amounts.py): liquidity for amounts and back."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from sim.pools.uniswap_v3.fixed_point import Q96
from sim.pools.uniswap_v3.liquidity_amounts import (
    get_amounts_for_liquidity,
    get_liquidity_for_amounts,
)
from sim.pools.uniswap_v3.tick_math import get_sqrt_ratio_at_tick

E18 = 10**18


@settings(max_examples=200, deadline=None)
@given(
    st.integers(-50_000, 50_000),
    st.integers(1, 20_000),
    st.integers(-30_000, 30_000),
    st.integers(0, 10**30),
    st.integers(0, 10**30),
)
def test_liquidity_for_amounts_never_needs_more_than_given(
    tick_lower: int, width: int, offset: int, amount0: int, amount1: int
) -> None:
    sqrt_a = get_sqrt_ratio_at_tick(tick_lower)
    sqrt_b = get_sqrt_ratio_at_tick(tick_lower + width)
    sqrt_p = get_sqrt_ratio_at_tick(tick_lower + offset)
    liquidity = get_liquidity_for_amounts(sqrt_p, sqrt_a, sqrt_b, amount0, amount1)
    need0, need1 = get_amounts_for_liquidity(sqrt_p, sqrt_a, sqrt_b, liquidity)
    assert need0 <= amount0
    assert need1 <= amount1


def test_amounts_for_liquidity_by_position_of_the_price() -> None:
    sqrt_a, sqrt_b = get_sqrt_ratio_at_tick(-600), get_sqrt_ratio_at_tick(600)
    below = get_amounts_for_liquidity(get_sqrt_ratio_at_tick(-1200), sqrt_a, sqrt_b, E18)
    inside = get_amounts_for_liquidity(Q96, sqrt_a, sqrt_b, E18)
    above = get_amounts_for_liquidity(get_sqrt_ratio_at_tick(1200), sqrt_a, sqrt_b, E18)
    assert below[0] > 0 and below[1] == 0
    assert inside[0] > 0 and inside[1] > 0
    assert above[0] == 0 and above[1] > 0
    # symmetric band around price 1: both sides hold about the same amount
    assert abs(inside[0] - inside[1]) <= 1
