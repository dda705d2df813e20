"""Band math of the V3 periphery (sim.pools.uniswap_v3.bands): exact ticks, splits and swaps."""

from __future__ import annotations

import pytest

from sim.pools.uniswap_v3.bands import (
    band_gap,
    band_ticks,
    max_usable_tick,
    rebalance_swap,
    target_split,
    token0_value_share,
)
from sim.pools.uniswap_v3.fixed_point import Q96
from sim.pools.uniswap_v3.pool import ConcentratedPool
from sim.pools.uniswap_v3.tick_math import MAX_TICK, get_sqrt_ratio_at_tick


def eth_usdc(price: float = 3000.0) -> ConcentratedPool:
    """An empty 30 bp ETH/USDC pool (tick spacing 60) initialised at `price`."""
    return ConcentratedPool.from_price("v3", ("ETH", "USDC"), (18, 6), 3000, price)


@pytest.mark.parametrize(
    ("spacing", "top"), [(1, 887_272), (10, 887_270), (60, 887_220), (200, 887_200)]
)
def test_max_usable_tick_is_max_tick_rounded_down_to_the_spacing(spacing: int, top: int) -> None:
    assert max_usable_tick(spacing) == top
    assert top % spacing == 0 and top <= MAX_TICK < top + spacing


def test_band_ticks_are_the_usable_ticks_nearest_the_band_prices() -> None:
    pool = eth_usdc()
    assert (pool.tick, pool.tick_spacing) == (-196_257, 60)
    # +-5% around 3000 ETH/USDC (token1 per token0 in whole tokens: negative ticks)
    assert band_ticks(pool, 2850.0, 3150.0) == (-196_740, -195_780)


def test_a_band_narrower_than_a_spacing_is_widened_to_contain_the_current_tick() -> None:
    pool = eth_usdc()
    tl, tu = band_ticks(pool, 3000.0, 3000.0)
    assert (tl, tu) == (-196_260, -196_200)
    assert tl <= pool.tick < tu


def test_band_ticks_are_clamped_to_the_usable_range() -> None:
    pool = eth_usdc()
    lower, upper = band_ticks(pool, 1e-40, 1e40)
    assert lower == -887_220  # the lowest usable tick, not below
    assert upper == 644_760  # 1e40 USDC per ETH: within the usable range, so not clamped


def test_target_split_inside_below_and_above_the_band() -> None:
    x, y = target_split(Q96, -60, 60)  # price 1: both tokens, about equally
    assert x == pytest.approx(0.002995354955910856, rel=1e-15)
    assert y == pytest.approx(0.002995354955910745, rel=1e-15)
    # below the band: only token0 (y exactly 0); above: only token1 (x exactly 0)
    x, y = target_split(get_sqrt_ratio_at_tick(-120), -60, 60)
    assert y == 0.0 and x > 0
    x, y = target_split(get_sqrt_ratio_at_tick(120), -60, 60)
    assert x == 0.0 and y > 0


def test_token0_value_share() -> None:
    assert token0_value_share(Q96, -60, 60) == pytest.approx(0.5, abs=1e-13)
    assert token0_value_share(get_sqrt_ratio_at_tick(-120), -60, 60) == 1.0
    assert token0_value_share(get_sqrt_ratio_at_tick(120), -60, 60) == 0.0


def test_band_gap_is_the_share_in_excess_of_the_band() -> None:
    assert band_gap(Q96, -600, 600, 10**18, 0) == 1.0  # all token0: all of it in excess
    assert band_gap(Q96, -600, 600, 0, 5) == -1.0  # all token1
    assert band_gap(Q96, -600, 600, 0, 0) == 0.0  # nothing held: no gap
    assert band_gap(Q96, -600, 600, 10**18, 10**18) == pytest.approx(0.0, abs=1e-12)


def test_rebalance_swap_sells_the_token_in_excess_at_the_pre_swap_price() -> None:
    # a symmetric band at price 1 and no fee: sell exactly half of a token0-only inventory
    assert rebalance_swap(10**18, 0, Q96, -600, 600, 0.0) == (0, 500_000_000_000_000_000)
    # with a 30 bp fee a little more, so that what comes back fills the other half
    assert rebalance_swap(10**18, 0, Q96, -600, 600, 0.003) == (0, 500_751_126_690_035_072)
    assert rebalance_swap(0, 10**18, Q96, -600, 600, 0.003) == (1, 500_751_126_690_035_072)
    # below the band the band holds only token0: sell all token1, keep all token0
    below = get_sqrt_ratio_at_tick(-6000)
    assert rebalance_swap(0, 10**6, below, -600, 600, 0.0) == (1, 10**6)
    assert rebalance_swap(10**18, 0, below, -600, 600, 0.0) == (1, 0)
    # above it only token1: sell all token0, never more than is held
    assert rebalance_swap(10**18, 0, get_sqrt_ratio_at_tick(6000), -600, 600, 0.003) == (0, 10**18)
