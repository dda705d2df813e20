"""Tick (sim/pools/uniswap_v3/tick.py): max liquidity per tick, update, cross and fee growth inside."""

from __future__ import annotations

import pytest

from sim.errors import InsufficientLiquidity, InvalidAmount
from sim.pools.uniswap_v3.safe_cast import MAX_UINT128
from sim.pools.uniswap_v3.tick import (
    TickInfo,
    cross,
    get_fee_growth_inside,
    tick_spacing_to_max_liquidity_per_tick,
    update,
)
from sim.units import MAX_UINT256


def test_max_liquidity_per_tick_matches_v3_core() -> None:
    assert tick_spacing_to_max_liquidity_per_tick(10) == 1917569901783203986719870431555990
    assert tick_spacing_to_max_liquidity_per_tick(60) == 11505743598341114571880798222544994
    assert tick_spacing_to_max_liquidity_per_tick(200) == 38350317471085141830651933667504588
    assert tick_spacing_to_max_liquidity_per_tick(887272) == MAX_UINT128 // 3
    assert tick_spacing_to_max_liquidity_per_tick(2302) == 441351967472034323558203122479595605


def test_update_initialises_outside_growth_below_the_current_tick_and_flips() -> None:
    ticks: dict[int, TickInfo] = {}
    g0, g1 = 7 << 128, 3 << 128
    # a tick at or below the current tick: all growth so far happened below it
    assert update(ticks, -60, 0, 1000, g0, g1, 0, 0, 0, False, 10**6) is True
    assert ticks[-60] == TickInfo(1000, 1000, g0, g1, True)
    # above the current tick: none of it did
    assert update(ticks, 60, 0, 1000, g0, g1, 0, 0, 0, True, 10**6) is True
    assert ticks[60] == TickInfo(1000, -1000, 0, 0, True)
    # more liquidity on an initialized tick does not flip it and keeps its outside growth
    assert update(ticks, 60, 0, 500, 9 << 128, 9 << 128, 0, 0, 0, True, 10**6) is False
    assert ticks[60] == TickInfo(1500, -1500, 0, 0, True)
    # removing all of it flips it back
    assert update(ticks, -60, 0, -1000, g0, g1, 0, 0, 0, False, 10**6) is True
    assert ticks[-60].liquidity_gross == 0


def test_update_reverts_past_the_maximum_or_below_zero() -> None:
    ticks: dict[int, TickInfo] = {}
    update(ticks, 0, 0, 10, 0, 0, 0, 0, 0, False, 10)
    with pytest.raises(InvalidAmount, match="maximum liquidity per tick"):
        update(ticks, 0, 0, 1, 0, 0, 0, 0, 0, False, 10)
    with pytest.raises(InsufficientLiquidity):
        update(ticks, 0, 0, -11, 0, 0, 0, 0, 0, False, 10)
    assert ticks[0] == TickInfo(10, 10, 0, 0, True)


def test_cross_flips_outside_growth_modulo_2_256() -> None:
    ticks = {60: TickInfo(5, -5, 100, 2, True)}
    assert cross(ticks, 60, 30, 1, 0, 0, 0) == -5
    assert (ticks[60].fee_growth_outside0_x128, ticks[60].fee_growth_outside1_x128) == (
        MAX_UINT256 - 69,  # 30 - 100 wraps
        MAX_UINT256,  # 1 - 2 wraps
    )
    assert cross(ticks, 60, 30, 1, 0, 0, 0) == -5  # crossing back restores it
    assert (ticks[60].fee_growth_outside0_x128, ticks[60].fee_growth_outside1_x128) == (100, 2)


def test_fee_growth_inside_by_where_the_current_tick_is() -> None:
    ticks = {-60: TickInfo(1, 1, 10, 20, True), 60: TickInfo(1, -1, 3, 4, True)}
    # inside: global minus below (lower's outside) minus above (upper's outside)
    assert get_fee_growth_inside(ticks, -60, 60, 0, 100, 200) == (87, 176)
    # below the range: below = global - lower outside, above = upper outside
    assert get_fee_growth_inside(ticks, -60, 60, -61, 100, 200) == (7, 16)
    # above the range: below = lower outside, above = global - upper outside
    assert get_fee_growth_inside(ticks, -60, 60, 60, 100, 200) == (
        3 - 10 & MAX_UINT256,
        -16 & MAX_UINT256,
    )
    # unknown ticks count as empty records
    assert get_fee_growth_inside({}, -60, 60, 0, 100, 200) == (100, 200)


# Tick.spec.ts's oracle fields: update(tick, current, delta, g0, g1, spl, tick cumulative, time)


def test_update_assumes_all_oracle_growth_happened_below_ticks_at_or_below_current() -> None:
    ticks: dict[int, TickInfo] = {}
    update(ticks, 1, 1, 1, 1, 2, 3, 4, 5, False, MAX_UINT128)
    assert ticks[1] == TickInfo(1, 1, 1, 2, True, 4, 3, 5)
    # already initialized: nothing is set again
    update(ticks, 1, 1, 1, 6, 7, 8, 9, 10, False, MAX_UINT128)
    assert ticks[1] == TickInfo(2, 2, 1, 2, True, 4, 3, 5)
    # above the current tick: none of it
    update(ticks, 2, 1, 1, 1, 2, 3, 4, 5, False, MAX_UINT128)
    assert ticks[2] == TickInfo(1, 1, 0, 0, True, 0, 0, 0)


def test_cross_flips_the_oracle_values_and_two_flips_are_a_no_op() -> None:
    ticks = {2: TickInfo(3, 4, 1, 2, True, 6, 5, 7)}
    assert cross(ticks, 2, 7, 9, 8, 15, 10) == 4
    assert ticks[2] == TickInfo(3, 4, 6, 7, True, 9, 3, 3)
    cross(ticks, 2, 7, 9, 8, 15, 10)
    assert ticks[2] == TickInfo(3, 4, 1, 2, True, 6, 5, 7)


def test_cross_wraps_the_oracle_values_as_the_contract() -> None:
    ticks = {0: TickInfo(1, 1, 0, 0, True, 5, 5, 5)}
    cross(ticks, 0, 0, 0, 4, -(2**55), 4)
    info = ticks[0]
    assert info.seconds_per_liquidity_outside_x128 == 2**160 - 1  # uint160
    assert info.tick_cumulative_outside == 2**55 - 5  # int56: -2**55 - 5 wraps
    assert info.seconds_outside == 2**32 - 1  # uint32
