"""Mirrors v3-core's Tick library: the per-tick records a pool keeps and the three things done to them.

`ticks` is the pool's mapping `tick -> TickInfo`. `update` adds a position's liquidity delta
at one of its two ticks (initialising the tick's fee growth outside on first use), `cross`
flips the fee growth outside when the price moves across the tick, and
`get_fee_growth_inside` derives a range's fee growth from its two ticks. Fee growth is
Q128.128 and wraps mod 2**256, like the contract's unchecked arithmetic.
"""

from __future__ import annotations

from dataclasses import dataclass

from sim.errors import InvalidAmount
from sim.pools.uniswap_v3.liquidity_math import add_delta
from sim.pools.uniswap_v3.safe_cast import MAX_UINT128
from sim.pools.uniswap_v3.tick_math import MAX_TICK
from sim.units import MAX_UINT256


@dataclass(slots=True)
class TickInfo:
    """Mirrors Tick.Info (without the oracle fields)."""

    liquidity_gross: int = 0
    liquidity_net: int = 0
    fee_growth_outside0_x128: int = 0
    fee_growth_outside1_x128: int = 0
    initialized: bool = False


def tick_spacing_to_max_liquidity_per_tick(tick_spacing: int) -> int:
    """Mirrors Tick.tickSpacingToMaxLiquidityPerTick: uint128 max split over all usable ticks."""
    if tick_spacing <= 0:
        raise InvalidAmount(f"tick spacing must be positive, got {tick_spacing}")
    max_tick = (MAX_TICK // tick_spacing) * tick_spacing
    min_tick = -max_tick  # Solidity's division truncates toward zero, so the range is symmetric
    num_ticks = (max_tick - min_tick) // tick_spacing + 1
    return MAX_UINT128 // num_ticks


def get_fee_growth_inside(
    ticks: dict[int, TickInfo],
    tick_lower: int,
    tick_upper: int,
    tick_current: int,
    fee_growth_global0_x128: int,
    fee_growth_global1_x128: int,
) -> tuple[int, int]:
    """Mirrors Tick.getFeeGrowthInside: fee growth per unit of liquidity inside [lower, upper)."""
    empty = TickInfo()
    lower = ticks.get(tick_lower, empty)
    upper = ticks.get(tick_upper, empty)
    global0 = fee_growth_global0_x128
    global1 = fee_growth_global1_x128
    if tick_current >= tick_lower:
        below0, below1 = lower.fee_growth_outside0_x128, lower.fee_growth_outside1_x128
    else:
        below0 = global0 - lower.fee_growth_outside0_x128
        below1 = global1 - lower.fee_growth_outside1_x128
    if tick_current < tick_upper:
        above0, above1 = upper.fee_growth_outside0_x128, upper.fee_growth_outside1_x128
    else:
        above0 = global0 - upper.fee_growth_outside0_x128
        above1 = global1 - upper.fee_growth_outside1_x128
    return (global0 - below0 - above0) & MAX_UINT256, (global1 - below1 - above1) & MAX_UINT256


def update(
    ticks: dict[int, TickInfo],
    tick: int,
    tick_current: int,
    liquidity_delta: int,
    fee_growth_global0_x128: int,
    fee_growth_global1_x128: int,
    upper: bool,
    max_liquidity: int,
) -> bool:
    """Mirrors Tick.update; returns whether the tick flipped (un)initialized."""
    info = ticks.get(tick)
    if info is None:
        info = ticks[tick] = TickInfo()
    gross_before = info.liquidity_gross
    gross_after = add_delta(gross_before, liquidity_delta)
    if gross_after > max_liquidity:
        raise InvalidAmount(f"tick {tick} would exceed the maximum liquidity per tick")
    flipped = (gross_after == 0) != (gross_before == 0)
    if gross_before == 0:
        # by convention, all growth before a tick was initialized happened below it
        if tick <= tick_current:
            info.fee_growth_outside0_x128 = fee_growth_global0_x128
            info.fee_growth_outside1_x128 = fee_growth_global1_x128
        info.initialized = True
    info.liquidity_gross = gross_after
    info.liquidity_net += -liquidity_delta if upper else liquidity_delta
    return flipped


def cross(
    ticks: dict[int, TickInfo],
    tick: int,
    fee_growth_global0_x128: int,
    fee_growth_global1_x128: int,
) -> int:
    """Mirrors Tick.cross: flip the tick's outside fee growth; returns its liquidity_net."""
    info = ticks[tick]
    info.fee_growth_outside0_x128 = (
        fee_growth_global0_x128 - info.fee_growth_outside0_x128
    ) & MAX_UINT256
    info.fee_growth_outside1_x128 = (
        fee_growth_global1_x128 - info.fee_growth_outside1_x128
    ) & MAX_UINT256
    return info.liquidity_net
