"""Mirrors v3-core's Tick library: the per-tick records a pool keeps and the three things done to them.

`ticks` is the pool's mapping `tick -> TickInfo`. `update` adds a position's liquidity delta
at one of its two ticks (initialising the tick's "outside" values on first use), `cross`
flips the outside values when the price moves across the tick, and
`get_fee_growth_inside` derives a range's fee growth from its two ticks. The outside values
are the fee growth (Q128.128, wrapping mod 2**256) and the oracle's accumulators: the tick
sum (int56), seconds per liquidity (uint160) and seconds (uint32), each wrapping as the
contract's unchecked arithmetic does; `UniswapV3Pool.snapshot_cumulatives_inside` reads them.
"""

from __future__ import annotations

from dataclasses import dataclass

from sim.errors import InvalidAmount
from sim.pools.uniswap_v3.liquidity_math import add_delta
from sim.pools.uniswap_v3.oracle import INT56_HALF, MASK32, MASK160, UINT32, wrap_int56
from sim.pools.uniswap_v3.safe_cast import MAX_UINT128
from sim.pools.uniswap_v3.tick_math import MAX_TICK
from sim.units import MAX_UINT256

UINT256 = MAX_UINT256 + 1
UINT160 = MASK160 + 1


@dataclass(slots=True)
class TickInfo:
    """Mirrors Tick.Info (the oracle's outside values after `initialized`, not before it as
    in the struct, so that the fee fields keep their positions)."""

    liquidity_gross: int = 0
    liquidity_net: int = 0
    fee_growth_outside0_x128: int = 0
    fee_growth_outside1_x128: int = 0
    initialized: bool = False
    tick_cumulative_outside: int = 0
    seconds_per_liquidity_outside_x128: int = 0
    seconds_outside: int = 0


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


def cumulatives_inside(
    lower: TickInfo,
    upper: TickInfo,
    tick_lower: int,
    tick_upper: int,
    tick_current: int,
    tick_cumulative: int,
    seconds_per_liquidity_cumulative_x128: int,
    time: int,
) -> tuple[int, int, int]:
    """The three branches of UniswapV3Pool.snapshotCumulativesInside: (tick cumulative,
    seconds per liquidity, seconds) inside the range from its two ticks' outside values.

    Below the range: lower outside minus upper outside; above: upper minus lower; inside:
    the accumulators as of now (`tick_cumulative`, ...) minus both, as the contract does.
    """
    tc_lower, tc_upper = lower.tick_cumulative_outside, upper.tick_cumulative_outside
    spl_lower = lower.seconds_per_liquidity_outside_x128
    spl_upper = upper.seconds_per_liquidity_outside_x128
    s_lower, s_upper = lower.seconds_outside, upper.seconds_outside
    if tick_current < tick_lower:
        return (
            wrap_int56(tc_lower - tc_upper),
            (spl_lower - spl_upper) & MASK160,
            (s_lower - s_upper) & MASK32,
        )
    if tick_current < tick_upper:
        return (
            wrap_int56(tick_cumulative - tc_lower - tc_upper),
            (seconds_per_liquidity_cumulative_x128 - spl_lower - spl_upper) & MASK160,
            (time - s_lower - s_upper) & MASK32,
        )
    return (
        wrap_int56(tc_upper - tc_lower),
        (spl_upper - spl_lower) & MASK160,
        (s_upper - s_lower) & MASK32,
    )


def update(
    ticks: dict[int, TickInfo],
    tick: int,
    tick_current: int,
    liquidity_delta: int,
    fee_growth_global0_x128: int,
    fee_growth_global1_x128: int,
    seconds_per_liquidity_cumulative_x128: int,
    tick_cumulative: int,
    time: int,
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
            info.seconds_per_liquidity_outside_x128 = seconds_per_liquidity_cumulative_x128
            info.tick_cumulative_outside = tick_cumulative
            info.seconds_outside = time
        info.initialized = True
    info.liquidity_gross = gross_after
    info.liquidity_net += -liquidity_delta if upper else liquidity_delta
    return flipped


def cross(
    ticks: dict[int, TickInfo],
    tick: int,
    fee_growth_global0_x128: int,
    fee_growth_global1_x128: int,
    seconds_per_liquidity_cumulative_x128: int,
    tick_cumulative: int,
    time: int,
) -> int:
    """Mirrors Tick.cross: flip the tick's outside values; returns its liquidity_net.

    Each flip is `global - outside` in the field's unchecked width; with both operands in
    range, that is the difference, plus 2**bits when it is negative (cheaper than a mask on
    the swap's hot path).
    """
    info = ticks[tick]
    value = fee_growth_global0_x128 - info.fee_growth_outside0_x128
    info.fee_growth_outside0_x128 = value if value >= 0 else value + UINT256
    value = fee_growth_global1_x128 - info.fee_growth_outside1_x128
    info.fee_growth_outside1_x128 = value if value >= 0 else value + UINT256
    value = seconds_per_liquidity_cumulative_x128 - info.seconds_per_liquidity_outside_x128
    info.seconds_per_liquidity_outside_x128 = value if value >= 0 else value + UINT160
    value = tick_cumulative - info.tick_cumulative_outside
    info.tick_cumulative_outside = value if -INT56_HALF <= value < INT56_HALF else wrap_int56(value)
    value = time - info.seconds_outside
    info.seconds_outside = value if value >= 0 else value + UINT32
    return info.liquidity_net
