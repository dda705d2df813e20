"""Float views of Uniswap V3 for agents and reports: prices in human units, ticks, ranged positions.

Never used for the pool's books. Prices are whole token1 per whole token0; conversions to
the pool's Q64.96 sqrt prices and ticks go through the exact integer TickMath and
LiquidityAmounts, so `price_to_tick` and `liquidity_for_human_amounts` give what the
contract would.
"""

from __future__ import annotations

import math
from fractions import Fraction
from math import isqrt

from sim.errors import InvalidAmount
from sim.pools.uniswap_v3.liquidity_amounts import get_liquidity_for_amounts
from sim.pools.uniswap_v3.tick_math import (
    MAX_SQRT_RATIO,
    MAX_TICK,
    MIN_SQRT_RATIO,
    get_tick_at_sqrt_ratio,
)

__all__ = [
    "liquidity_for_human_amounts",
    "nearest_usable_tick",
    "position_amounts_human",
    "position_value_in_token1",
    "price_from_sqrt_price_x96",
    "price_to_tick",
    "ranged_il",
    "sqrt_price_x96_from_price",
    "tick_to_price",
]


def sqrt_price_x96_from_price(price: float, decimals0: int, decimals1: int) -> int:
    """Q64.96 sqrt price for `price` whole token1 per whole token0 (floored)."""
    if not (isinstance(price, int | float) and 0 < price < math.inf):
        raise InvalidAmount(f"price must be a positive finite number, got {price!r}")
    raw = Fraction(price) * Fraction(10) ** (decimals1 - decimals0)
    sqrt_price = isqrt((raw.numerator << 192) // raw.denominator)
    if not MIN_SQRT_RATIO <= sqrt_price < MAX_SQRT_RATIO:
        raise InvalidAmount(f"price {price} is outside the range a V3 pool can represent")
    return sqrt_price


def price_from_sqrt_price_x96(sqrt_price_x96: int, decimals0: int, decimals1: int) -> float:
    """Whole token1 per whole token0 at a Q64.96 sqrt price."""
    raw = Fraction(sqrt_price_x96 * sqrt_price_x96, 1 << 192)
    return float(raw * Fraction(10) ** (decimals0 - decimals1))


def tick_to_price(tick: int, decimals0: int, decimals1: int) -> float:
    """Whole token1 per whole token0 at `tick` (1.0001**tick in raw units)."""
    return 1.0001**tick * 10.0 ** (decimals0 - decimals1)


def price_to_tick(price: float, decimals0: int, decimals1: int) -> int:
    """The tick whose range contains `price` (whole token1 per whole token0), exact.

    Uses the integer TickMath on the floored sqrt price, so tick_to_price(result) <= price.
    """
    return get_tick_at_sqrt_ratio(sqrt_price_x96_from_price(price, decimals0, decimals1))


def nearest_usable_tick(tick: int, tick_spacing: int) -> int:
    """The multiple of `tick_spacing` nearest `tick`, kept inside [MIN_TICK, MAX_TICK]."""
    if tick_spacing <= 0:
        raise InvalidAmount(f"tick spacing must be positive, got {tick_spacing}")
    rounded = (tick + tick_spacing // 2) // tick_spacing * tick_spacing  # halves round up
    max_usable = (MAX_TICK // tick_spacing) * tick_spacing
    return max(-max_usable, min(max_usable, rounded))


def liquidity_for_human_amounts(
    price: float,
    price_lower: float,
    price_upper: float,
    amount0: float,
    amount1: float,
    decimals: tuple[int, int],
) -> int:
    """Liquidity that whole-token `amount0` and `amount1` fund over [price_lower, price_upper].

    Prices are whole token1 per whole token0; the result is what
    LiquidityAmounts.getLiquidityForAmounts gives for the raw amounts (rounded down).
    """
    d0, d1 = decimals
    return get_liquidity_for_amounts(
        sqrt_price_x96_from_price(price, d0, d1),
        sqrt_price_x96_from_price(price_lower, d0, d1),
        sqrt_price_x96_from_price(price_upper, d0, d1),
        int(Fraction(amount0) * 10**d0),
        int(Fraction(amount1) * 10**d1),
    )


def position_amounts_human(
    liquidity: int, tick_lower: int, tick_upper: int, price: float, decimals: tuple[int, int]
) -> tuple[float, float]:
    """Whole tokens (token0, token1) of `liquidity` over [tick_lower, tick_upper) at `price`."""
    d0, d1 = decimals
    raw_price = price * 10.0 ** (d1 - d0)
    s = math.sqrt(raw_price)
    sa = math.sqrt(1.0001**tick_lower)
    sb = math.sqrt(1.0001**tick_upper)
    s = min(max(s, sa), sb)
    amount0 = liquidity * (1.0 / s - 1.0 / sb)
    amount1 = liquidity * (s - sa)
    return amount0 / 10.0**d0, amount1 / 10.0**d1


def position_value_in_token1(
    liquidity: int, tick_lower: int, tick_upper: int, price: float, decimals: tuple[int, int]
) -> float:
    """Value in whole token1 of a position's principal (fees excluded) at `price`."""
    amount0, amount1 = position_amounts_human(liquidity, tick_lower, tick_upper, price, decimals)
    return amount0 * price + amount1


def ranged_il(price_ratio: float, lower_ratio: float, upper_ratio: float) -> float:
    """Impermanent loss of a ranged position against holding, as a fraction (<= 0).

    The position is opened at price p0 with band [p_a, p_b] = [lower_ratio * p0,
    upper_ratio * p0] (lower_ratio <= 1 <= upper_ratio) and valued at p1 = price_ratio * p0.
    With r = price_ratio, a = lower_ratio, b = upper_ratio and s = sqrt(r) clamped to
    [sqrt(a), sqrt(b)], per unit of liquidity (p0 = 1):

        hold     = r * (1 - 1/sqrt(b)) + (1 - sqrt(a))
        position = r * (1/s - 1/sqrt(b)) + (s - sqrt(a))
        IL       = position / hold - 1

    Inside the band this is (2 sqrt(r) - 1 - r) / (1 + r - sqrt(a) - r / sqrt(b)); with
    a -> 0, b -> inf it becomes the full-range 2 sqrt(r) / (1 + r) - 1.
    """
    if not (price_ratio > 0 and 0 <= lower_ratio <= 1 <= upper_ratio):
        raise InvalidAmount(
            "ranged_il needs price_ratio > 0 and lower_ratio <= 1 <= upper_ratio, got "
            f"{price_ratio}, {lower_ratio}, {upper_ratio}"
        )
    if lower_ratio == upper_ratio:
        return 0.0
    sqrt_a = math.sqrt(lower_ratio)
    inv_sqrt_b = 0.0 if math.isinf(upper_ratio) else 1.0 / math.sqrt(upper_ratio)
    sqrt_b = math.inf if inv_sqrt_b == 0.0 else math.sqrt(upper_ratio)
    s = min(max(math.sqrt(price_ratio), sqrt_a), sqrt_b)
    hold = price_ratio * (1.0 - inv_sqrt_b) + (1.0 - sqrt_a)
    position = price_ratio * (1.0 / s - inv_sqrt_b) + (s - sqrt_a)
    return position / hold - 1.0
