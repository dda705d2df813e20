"""Float views of Uniswap V3 (sim/pools/uniswap_v3/views.py): prices, ticks, human amounts, ranged IL."""

from __future__ import annotations

import math

import pytest

from sim.errors import InvalidAmount
from sim.pools.uniswap_v3.pool import ConcentratedPool
from sim.pools.uniswap_v3.tick_math import MAX_TICK, MIN_TICK
from sim.pools.uniswap_v3.views import (
    liquidity_for_human_amounts,
    nearest_usable_tick,
    position_value_in_token1,
    price_from_sqrt_price_x96,
    price_to_tick,
    ranged_il,
    sqrt_price_x96_from_price,
    tick_to_price,
)

E18 = 10**18


def test_ranged_il_closed_form_limits() -> None:
    for r in (0.25, 0.9, 1.5, 4.0):
        full = ranged_il(r, 0.0, math.inf)
        assert full == pytest.approx(2 * math.sqrt(r) / (1 + r) - 1, rel=1e-12)
        # concentrating liquidity amplifies the loss
        assert ranged_il(r, 0.5, 2.0) < full
    assert ranged_il(1.0, 0.8, 1.25) == 0.0
    with pytest.raises(InvalidAmount):
        ranged_il(1.0, 1.1, 1.2)


def test_price_tick_helpers_respect_decimals() -> None:
    tick = price_to_tick(2000.0, 18, 6)
    assert tick_to_price(tick, 18, 6) <= 2000.0 < tick_to_price(tick + 1, 18, 6)
    assert tick_to_price(tick, 18, 6) == pytest.approx(2000.0, rel=1e-4)
    assert price_from_sqrt_price_x96(sqrt_price_x96_from_price(2000.0, 18, 6), 18, 6) == (
        pytest.approx(2000.0, rel=1e-15)
    )
    assert nearest_usable_tick(-200311, 60) == -200340
    assert nearest_usable_tick(29, 60) == 0
    assert nearest_usable_tick(31, 60) == 60
    assert nearest_usable_tick(30, 60) == nearest_usable_tick(90, 60) - 60 == 60
    assert nearest_usable_tick(-31, 60) == -60
    assert nearest_usable_tick(MIN_TICK, 60) == -887220
    assert nearest_usable_tick(MAX_TICK, 200) == 887200


def test_human_liquidity_helper_funds_the_mint_and_values_it() -> None:
    pool = ConcentratedPool.from_price("WETH/USDC", ("WETH", "USDC"), (18, 6), 3000, 2000.0)
    lower = nearest_usable_tick(price_to_tick(1600.0, 18, 6), 60)
    upper = nearest_usable_tick(price_to_tick(2500.0, 18, 6), 60)
    p_lower, p_upper = tick_to_price(lower, 18, 6), tick_to_price(upper, 18, 6)
    liquidity = liquidity_for_human_amounts(2000.0, p_lower, p_upper, 10.0, 20_000.0, (18, 6))
    paid0, paid1 = pool.mint("lp", lower, upper, liquidity)
    assert paid0 <= 10 * E18 + 1 and paid1 <= 20_000 * 10**6 + 1
    assert paid0 >= 10 * E18 * 0.999 or paid1 >= 20_000 * 10**6 * 0.999  # one side binds
    value = position_value_in_token1(liquidity, lower, upper, 2000.0, (18, 6))
    assert value == pytest.approx(paid0 / E18 * 2000.0 + paid1 / 10**6, rel=1e-6)
