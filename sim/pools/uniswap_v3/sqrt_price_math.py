"""Mirrors v3-core's SqrtPriceMath: the next sqrt price after an amount in or out, and the amounts between two prices.

Every function rounds the way the contract does, always in the pool's favour: a price moved
by an input never passes its target (rounded up for token0, down for token1), an amount owed
to the pool is rounded up and an amount paid out rounded down.
"""

from __future__ import annotations

from sim.errors import InsufficientLiquidity, InvalidAmount, PoolError
from sim.pools.uniswap_v3.fixed_point import Q96
from sim.pools.uniswap_v3.full_math import mul_div, mul_div_rounding_up
from sim.pools.uniswap_v3.safe_cast import MAX_UINT160, to_int256, to_uint160
from sim.pools.uniswap_v3.unsafe_math import div_rounding_up
from sim.units import MAX_UINT256


def get_next_sqrt_price_from_amount0_rounding_up(
    sqrt_price_x96: int, liquidity: int, amount: int, add: bool
) -> int:
    """Mirrors SqrtPriceMath.getNextSqrtPriceFromAmount0RoundingUp: price after +-amount token0.

    Computes liquidity * sqrtP / (liquidity +- amount * sqrtP), rounded up; falls back to
    liquidity / (liquidity / sqrtP +- amount) when the product overflows 256 bits.
    """
    if amount == 0:
        return sqrt_price_x96
    numerator1 = liquidity << 96
    product = amount * sqrt_price_x96
    if add:
        if product <= MAX_UINT256:
            denominator = numerator1 + product
            if denominator <= MAX_UINT256:
                return mul_div_rounding_up(numerator1, sqrt_price_x96, denominator)
        denominator1 = numerator1 // sqrt_price_x96 + amount
        if denominator1 > MAX_UINT256:
            raise PoolError("get_next_sqrt_price_from_amount0_rounding_up: overflow")
        return div_rounding_up(numerator1, denominator1) & MAX_UINT160
    if product > MAX_UINT256 or numerator1 <= product:
        raise InsufficientLiquidity(
            f"cannot take {amount} of token0 out: the liquidity in range cannot pay that much"
        )
    return to_uint160(mul_div_rounding_up(numerator1, sqrt_price_x96, numerator1 - product))


def get_next_sqrt_price_from_amount1_rounding_down(
    sqrt_price_x96: int, liquidity: int, amount: int, add: bool
) -> int:
    """Mirrors SqrtPriceMath.getNextSqrtPriceFromAmount1RoundingDown: sqrtP +- amount / L."""
    if add:
        if amount <= MAX_UINT160:
            quotient = (amount << 96) // liquidity
        else:
            quotient = mul_div(amount, Q96, liquidity)
        total = sqrt_price_x96 + quotient
        if total > MAX_UINT256:
            raise PoolError("get_next_sqrt_price_from_amount1_rounding_down: overflow")
        return to_uint160(total)
    if amount <= MAX_UINT160:
        quotient = div_rounding_up(amount << 96, liquidity)
    else:
        quotient = mul_div_rounding_up(amount, Q96, liquidity)
    if sqrt_price_x96 <= quotient:
        raise InsufficientLiquidity(
            f"cannot take {amount} of token1 out: the liquidity in range cannot pay that much"
        )
    return sqrt_price_x96 - quotient


def get_next_sqrt_price_from_input(
    sqrt_price_x96: int, liquidity: int, amount_in: int, zero_for_one: bool
) -> int:
    """Mirrors SqrtPriceMath.getNextSqrtPriceFromInput: rounds so the target is never passed."""
    if sqrt_price_x96 <= 0:
        raise InvalidAmount("sqrt price must be positive")
    if liquidity <= 0:
        raise InsufficientLiquidity("no liquidity in range to swap against")
    if zero_for_one:
        return get_next_sqrt_price_from_amount0_rounding_up(
            sqrt_price_x96, liquidity, amount_in, True
        )
    return get_next_sqrt_price_from_amount1_rounding_down(
        sqrt_price_x96, liquidity, amount_in, True
    )


def get_next_sqrt_price_from_output(
    sqrt_price_x96: int, liquidity: int, amount_out: int, zero_for_one: bool
) -> int:
    """Mirrors SqrtPriceMath.getNextSqrtPriceFromOutput: rounds so the target is always reached."""
    if sqrt_price_x96 <= 0:
        raise InvalidAmount("sqrt price must be positive")
    if liquidity <= 0:
        raise InsufficientLiquidity("no liquidity in range to swap against")
    if zero_for_one:
        return get_next_sqrt_price_from_amount1_rounding_down(
            sqrt_price_x96, liquidity, amount_out, False
        )
    return get_next_sqrt_price_from_amount0_rounding_up(
        sqrt_price_x96, liquidity, amount_out, False
    )


def get_amount0_delta(
    sqrt_ratio_a_x96: int, sqrt_ratio_b_x96: int, liquidity: int, round_up: bool
) -> int:
    """Mirrors SqrtPriceMath.getAmount0Delta (unsigned): L * (sqrtB - sqrtA) / (sqrtA * sqrtB)."""
    if sqrt_ratio_a_x96 > sqrt_ratio_b_x96:
        sqrt_ratio_a_x96, sqrt_ratio_b_x96 = sqrt_ratio_b_x96, sqrt_ratio_a_x96
    if sqrt_ratio_a_x96 <= 0:
        raise InvalidAmount("sqrt price must be positive")
    numerator1 = liquidity << 96
    numerator2 = sqrt_ratio_b_x96 - sqrt_ratio_a_x96
    if round_up:
        return div_rounding_up(
            mul_div_rounding_up(numerator1, numerator2, sqrt_ratio_b_x96), sqrt_ratio_a_x96
        )
    return mul_div(numerator1, numerator2, sqrt_ratio_b_x96) // sqrt_ratio_a_x96


def get_amount1_delta(
    sqrt_ratio_a_x96: int, sqrt_ratio_b_x96: int, liquidity: int, round_up: bool
) -> int:
    """Mirrors SqrtPriceMath.getAmount1Delta (unsigned): L * (sqrtB - sqrtA)."""
    if sqrt_ratio_a_x96 > sqrt_ratio_b_x96:
        sqrt_ratio_a_x96, sqrt_ratio_b_x96 = sqrt_ratio_b_x96, sqrt_ratio_a_x96
    if round_up:
        return mul_div_rounding_up(liquidity, sqrt_ratio_b_x96 - sqrt_ratio_a_x96, Q96)
    return mul_div(liquidity, sqrt_ratio_b_x96 - sqrt_ratio_a_x96, Q96)


def get_amount0_delta_signed(sqrt_ratio_a_x96: int, sqrt_ratio_b_x96: int, liquidity: int) -> int:
    """Mirrors SqrtPriceMath.getAmount0Delta (int128 liquidity): owed up when adding, paid down."""
    if liquidity < 0:
        return -to_int256(get_amount0_delta(sqrt_ratio_a_x96, sqrt_ratio_b_x96, -liquidity, False))
    return to_int256(get_amount0_delta(sqrt_ratio_a_x96, sqrt_ratio_b_x96, liquidity, True))


def get_amount1_delta_signed(sqrt_ratio_a_x96: int, sqrt_ratio_b_x96: int, liquidity: int) -> int:
    """Mirrors SqrtPriceMath.getAmount1Delta (int128 liquidity): owed up when adding, paid down."""
    if liquidity < 0:
        return -to_int256(get_amount1_delta(sqrt_ratio_a_x96, sqrt_ratio_b_x96, -liquidity, False))
    return to_int256(get_amount1_delta(sqrt_ratio_a_x96, sqrt_ratio_b_x96, liquidity, True))
