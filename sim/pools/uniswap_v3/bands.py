"""Band math of the V3 periphery: which ticks a price band maps to, and the token split of a band.

What a position manager computes before it calls the pool: the usable ticks of a band of
prices (`band_ticks`, widened so the pool's current tick lies inside), how one unit of
liquidity splits between the two tokens at the current price (`target_split`), and the swap
that brings an inventory to a band's ratio (`rebalance_swap`, ignoring the swap's own price
impact; the range LP solves the exact swap on a fork of the pool, `agents.range_lp.sizing`).
Floats are for agents: the pool's books never see them.
"""

from __future__ import annotations

from sim.pools.uniswap_v3.fixed_point import Q96
from sim.pools.uniswap_v3.pool import ConcentratedPool
from sim.pools.uniswap_v3.tick_math import MAX_TICK, get_sqrt_ratio_at_tick
from sim.pools.uniswap_v3.views import nearest_usable_tick, price_to_tick, tick_to_price

__all__ = [
    "band_gap",
    "band_ticks",
    "max_usable_tick",
    "rebalance_swap",
    "target_split",
    "token0_value_share",
]


def max_usable_tick(spacing: int) -> int:
    """The largest tick a position may use with `spacing` (`TickMath.MAX_TICK` rounded down)."""
    return (MAX_TICK // spacing) * spacing


def band_ticks(pool: ConcentratedPool, lower_price: float, upper_price: float) -> tuple[int, int]:
    """Usable ticks nearest the band's prices, widened by a spacing if needed so that the
    pool's current tick lies inside [tick_lower, tick_upper)."""
    d0, d1 = pool.decimals
    s = pool.tick_spacing
    top = max_usable_tick(s)
    lower_price = max(lower_price, tick_to_price(-top, d0, d1))
    upper_price = min(upper_price, tick_to_price(top, d0, d1))
    tl = nearest_usable_tick(price_to_tick(lower_price, d0, d1), s)
    tu = nearest_usable_tick(price_to_tick(upper_price, d0, d1), s)
    floor_tick = (pool.tick // s) * s
    tl = min(tl, floor_tick)
    tu = max(tu, floor_tick + s)
    return max(tl, -top), min(tu, top)


def target_split(sqrt_price_x96: int, tick_lower: int, tick_upper: int) -> tuple[float, float]:
    """Raw token0 and token1 one unit of liquidity holds at the current price (floats)."""
    s = sqrt_price_x96 / Q96
    sa = get_sqrt_ratio_at_tick(tick_lower) / Q96
    sb = get_sqrt_ratio_at_tick(tick_upper) / Q96
    s = min(max(s, sa), sb)
    return 1.0 / s - 1.0 / sb, s - sa


def token0_value_share(sqrt_price_x96: int, tick_lower: int, tick_upper: int) -> float:
    """Share of a new position's value held in token0 at the current price."""
    x, y = target_split(sqrt_price_x96, tick_lower, tick_upper)
    p = (sqrt_price_x96 / Q96) ** 2
    return x * p / (x * p + y)


def band_gap(
    sqrt_price_x96: int, tick_lower: int, tick_upper: int, amount0: int, amount1: int
) -> float:
    """The share of (amount0, amount1) in excess of the band's ratio at the price: > 0 too
    much token0, < 0 too much token1, 0 an exact fit (in [-1, 1]: the token0 excess is
    (a0 y - a1 x) / (a0 y + a1 x) of the token0 held, x and y the band's amounts per unit
    of liquidity, `target_split`)."""
    x, y = target_split(sqrt_price_x96, tick_lower, tick_upper)
    both = amount0 * y + amount1 * x
    return (amount0 * y - amount1 * x) / both if both else 0.0


def rebalance_swap(
    amount0: int, amount1: int, sqrt_price_x96: int, tick_lower: int, tick_upper: int, fee: float
) -> tuple[int, int]:
    """(token index sold, raw amount) that brings the inventory to the band's ratio, at the
    price before the swap: ignores the swap's own price impact. Only the first guess of the
    range LP's swap sizing, which solves the swap on exact quotes; index -1: no swap.
    """
    x, y = target_split(sqrt_price_x96, tick_lower, tick_upper)
    p = (sqrt_price_x96 / Q96) ** 2  # raw token1 per raw token0
    keep = 1.0 - fee
    if y * amount0 > x * amount1:  # too much token0: sell d with (a0 - d) / (a1 + d p k) = x / y
        d = (y * amount0 - x * amount1) / (y + x * p * keep)
        return 0, max(0, min(amount0, int(d)))
    e = (x * amount1 - y * amount0) / (x + y * keep / p)
    return 1, max(0, min(amount1, int(e)))
