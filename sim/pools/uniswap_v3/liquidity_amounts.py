"""Mirrors v3-periphery's LiquidityAmounts: liquidity for token amounts over a range, and back.

Not part of the pool's books: routers and LPs use it to size a mint (`get_liquidity_for_amounts`)
and to value a position's principal (`get_amounts_for_liquidity`), both rounded down.
"""

from __future__ import annotations

from sim.errors import InvalidAmount
from sim.pools.uniswap_v3.fixed_point import Q96
from sim.pools.uniswap_v3.full_math import mul_div
from sim.pools.uniswap_v3.safe_cast import MAX_UINT128


def _to_uint128(value: int) -> int:
    if value > MAX_UINT128:
        raise InvalidAmount(f"liquidity {value} does not fit in uint128")
    return value


def get_liquidity_for_amount0(sqrt_ratio_a_x96: int, sqrt_ratio_b_x96: int, amount0: int) -> int:
    """Mirrors LiquidityAmounts.getLiquidityForAmount0: a0 * sqrtA * sqrtB / (sqrtB - sqrtA)."""
    if sqrt_ratio_a_x96 > sqrt_ratio_b_x96:
        sqrt_ratio_a_x96, sqrt_ratio_b_x96 = sqrt_ratio_b_x96, sqrt_ratio_a_x96
    intermediate = mul_div(sqrt_ratio_a_x96, sqrt_ratio_b_x96, Q96)
    return _to_uint128(mul_div(amount0, intermediate, sqrt_ratio_b_x96 - sqrt_ratio_a_x96))


def get_liquidity_for_amount1(sqrt_ratio_a_x96: int, sqrt_ratio_b_x96: int, amount1: int) -> int:
    """Mirrors LiquidityAmounts.getLiquidityForAmount1: amount1 / (sqrtB - sqrtA)."""
    if sqrt_ratio_a_x96 > sqrt_ratio_b_x96:
        sqrt_ratio_a_x96, sqrt_ratio_b_x96 = sqrt_ratio_b_x96, sqrt_ratio_a_x96
    return _to_uint128(mul_div(amount1, Q96, sqrt_ratio_b_x96 - sqrt_ratio_a_x96))


def get_liquidity_for_amounts(
    sqrt_ratio_x96: int,
    sqrt_ratio_a_x96: int,
    sqrt_ratio_b_x96: int,
    amount0: int,
    amount1: int,
) -> int:
    """Mirrors LiquidityAmounts.getLiquidityForAmounts: most liquidity both amounts can fund."""
    if sqrt_ratio_a_x96 > sqrt_ratio_b_x96:
        sqrt_ratio_a_x96, sqrt_ratio_b_x96 = sqrt_ratio_b_x96, sqrt_ratio_a_x96
    if sqrt_ratio_x96 <= sqrt_ratio_a_x96:
        return get_liquidity_for_amount0(sqrt_ratio_a_x96, sqrt_ratio_b_x96, amount0)
    if sqrt_ratio_x96 < sqrt_ratio_b_x96:
        liquidity0 = get_liquidity_for_amount0(sqrt_ratio_x96, sqrt_ratio_b_x96, amount0)
        liquidity1 = get_liquidity_for_amount1(sqrt_ratio_a_x96, sqrt_ratio_x96, amount1)
        return min(liquidity0, liquidity1)
    return get_liquidity_for_amount1(sqrt_ratio_a_x96, sqrt_ratio_b_x96, amount1)


def get_amount0_for_liquidity(sqrt_ratio_a_x96: int, sqrt_ratio_b_x96: int, liquidity: int) -> int:
    """Mirrors LiquidityAmounts.getAmount0ForLiquidity: token0 of `liquidity` over [a, b], down."""
    if sqrt_ratio_a_x96 > sqrt_ratio_b_x96:
        sqrt_ratio_a_x96, sqrt_ratio_b_x96 = sqrt_ratio_b_x96, sqrt_ratio_a_x96
    return (
        mul_div(liquidity << 96, sqrt_ratio_b_x96 - sqrt_ratio_a_x96, sqrt_ratio_b_x96)
        // sqrt_ratio_a_x96
    )


def get_amount1_for_liquidity(sqrt_ratio_a_x96: int, sqrt_ratio_b_x96: int, liquidity: int) -> int:
    """Mirrors LiquidityAmounts.getAmount1ForLiquidity: token1 of `liquidity` over [a, b], down."""
    if sqrt_ratio_a_x96 > sqrt_ratio_b_x96:
        sqrt_ratio_a_x96, sqrt_ratio_b_x96 = sqrt_ratio_b_x96, sqrt_ratio_a_x96
    return mul_div(liquidity, sqrt_ratio_b_x96 - sqrt_ratio_a_x96, Q96)


def get_amounts_for_liquidity(
    sqrt_ratio_x96: int, sqrt_ratio_a_x96: int, sqrt_ratio_b_x96: int, liquidity: int
) -> tuple[int, int]:
    """Mirrors LiquidityAmounts.getAmountsForLiquidity: (token0, token1) value of a position."""
    if sqrt_ratio_a_x96 > sqrt_ratio_b_x96:
        sqrt_ratio_a_x96, sqrt_ratio_b_x96 = sqrt_ratio_b_x96, sqrt_ratio_a_x96
    if sqrt_ratio_x96 <= sqrt_ratio_a_x96:
        return get_amount0_for_liquidity(sqrt_ratio_a_x96, sqrt_ratio_b_x96, liquidity), 0
    if sqrt_ratio_x96 < sqrt_ratio_b_x96:
        return (
            get_amount0_for_liquidity(sqrt_ratio_x96, sqrt_ratio_b_x96, liquidity),
            get_amount1_for_liquidity(sqrt_ratio_a_x96, sqrt_ratio_x96, liquidity),
        )
    return 0, get_amount1_for_liquidity(sqrt_ratio_a_x96, sqrt_ratio_b_x96, liquidity)
