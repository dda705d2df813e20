"""TickMath (sim/pools/uniswap_v3/tick_math.py): v3-core's published values, bounds, and inversion."""

from __future__ import annotations

from decimal import Decimal, localcontext

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.errors import InvalidAmount
from sim.pools.uniswap_v3.fixed_point import Q96
from sim.pools.uniswap_v3.tick_math import (
    MAX_SQRT_RATIO,
    MAX_TICK,
    MIN_SQRT_RATIO,
    MIN_TICK,
    get_sqrt_ratio_at_tick,
    get_tick_at_sqrt_ratio,
)

# getSqrtRatioAtTick values from v3-core's TickMath spec snapshot.
PUBLISHED_SQRT_RATIOS = {
    MIN_TICK: MIN_SQRT_RATIO,
    MIN_TICK + 1: 4295343490,
    MAX_TICK - 1: 1461373636630004318706518188784493106690254656249,
    MAX_TICK: MAX_SQRT_RATIO,
    0: Q96,
    50: 79426470787362580746886972461,
    -50: 79030349367926598376800521322,
    100: 79625275426524748796330556128,
    -100: 78833030112140176575862854579,
    250: 80224679980005306637834519095,
    -250: 78244023372248365697264290337,
    500: 81233731461783161732293370115,
    -500: 77272108795590369356373805297,
    1000: 83290069058676223003182343270,
    -1000: 75364347830767020784054125655,
    2500: 89776708723587163891445672585,
    -2500: 69919044979842180277688105136,
    3000: 92049301871182272007977902845,
    -3000: 68192822843687888778582228483,
    4000: 96768528593268422080558758223,
    -4000: 64867181785621769311890333195,
    5000: 101729702841318637793976746270,
    -5000: 61703726247759831737814779831,
    50000: 965075977353221155028623082916,
    -50000: 6504256538020985011912221507,
    150000: 143194173941309278083010301478497,
    -150000: 43836292794701720435367485,
    250000: 21246587762933397357449903968194344,
    -250000: 295440463448801648376846,
    500000: 5697689776495288729098254600827762987878,
    -500000: 1101692437043807371,
    738203: 847134979253254120489401328389043031315994541,
    -738203: 7409801140451,
}


@pytest.mark.parametrize(("tick", "expected"), sorted(PUBLISHED_SQRT_RATIOS.items()))
def test_get_sqrt_ratio_at_tick_matches_published_values(tick: int, expected: int) -> None:
    assert get_sqrt_ratio_at_tick(tick) == expected


@pytest.mark.parametrize("tick", [MIN_TICK - 1, MAX_TICK + 1, -(2**23), 2**23 - 1])
def test_get_sqrt_ratio_at_tick_rejects_ticks_beyond_the_bounds(tick: int) -> None:
    with pytest.raises(InvalidAmount, match="outside"):
        get_sqrt_ratio_at_tick(tick)


@pytest.mark.parametrize("tick", [-887272, -500000, -1000, -1, 1, 20, 1000, 500000, 887272])
def test_get_sqrt_ratio_at_tick_is_within_a_hundredth_of_a_bip_of_the_exact_value(
    tick: int,
) -> None:
    with localcontext() as ctx:
        ctx.prec = 80
        exact = Decimal("1.0001") ** tick
        exact_sqrt = exact.sqrt() * Decimal(Q96)
        result = Decimal(get_sqrt_ratio_at_tick(tick))
        assert abs(result - exact_sqrt) / exact_sqrt < Decimal("1e-6")


def test_get_tick_at_sqrt_ratio_bounds_and_published_values() -> None:
    assert get_tick_at_sqrt_ratio(MIN_SQRT_RATIO) == MIN_TICK
    assert get_tick_at_sqrt_ratio(4295343490) == MIN_TICK + 1
    assert get_tick_at_sqrt_ratio(1461373636630004318706518188784493106690254656249) == (
        MAX_TICK - 1
    )
    assert get_tick_at_sqrt_ratio(MAX_SQRT_RATIO - 1) == MAX_TICK - 1
    assert get_tick_at_sqrt_ratio(Q96) == 0
    assert get_tick_at_sqrt_ratio(Q96 - 1) == -1
    with pytest.raises(InvalidAmount):
        get_tick_at_sqrt_ratio(MIN_SQRT_RATIO - 1)
    with pytest.raises(InvalidAmount):
        get_tick_at_sqrt_ratio(MAX_SQRT_RATIO)


@settings(max_examples=300, deadline=None)
@given(st.integers(MIN_TICK, MAX_TICK - 1))
def test_get_tick_at_sqrt_ratio_inverts_get_sqrt_ratio_at_tick(tick: int) -> None:
    sqrt_ratio = get_sqrt_ratio_at_tick(tick)
    assert get_tick_at_sqrt_ratio(sqrt_ratio) == tick
    if tick > MIN_TICK:
        assert get_tick_at_sqrt_ratio(sqrt_ratio - 1) == tick - 1


@settings(max_examples=300, deadline=None)
@given(st.integers(MIN_SQRT_RATIO, MAX_SQRT_RATIO - 1))
def test_get_tick_at_sqrt_ratio_is_the_greatest_tick_at_or_below(sqrt_price: int) -> None:
    tick = get_tick_at_sqrt_ratio(sqrt_price)
    assert get_sqrt_ratio_at_tick(tick) <= sqrt_price
    if tick < MAX_TICK:
        assert get_sqrt_ratio_at_tick(tick + 1) > sqrt_price
