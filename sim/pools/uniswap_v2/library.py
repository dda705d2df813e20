"""Mirrors UniswapV2Library's pricing: `get_amount_out`, `get_amount_in` and `quote`, in exact integers.

The fee is integer basis points over `FEE_DENOMINATOR` = 10_000 instead of the library's
hard-coded 997/1000 (30 bps gives bit-identical results: both fractions scale by 10).
The pair (`pair.py`) enforces its invariant with its own K check; these functions are
what routers and agents price a trade with.
"""

from __future__ import annotations

from sim.errors import InsufficientLiquidity, InvalidAmount

__all__ = [
    "FEE_DENOMINATOR",
    "UINT112_MAX",
    "check_fee_bps",
    "get_amount_in",
    "get_amount_out",
    "quote",
]

FEE_DENOMINATOR = 10_000
UINT112_MAX = 2**112 - 1
"""The pair's reserves are uint112: no reserve, and so no trade into the pair, goes beyond it."""


def check_fee_bps(fee_bps: int) -> None:
    """Raise `InvalidAmount` unless `fee_bps` is an integer from 0 to 9_999 basis points."""
    if type(fee_bps) is not int or not 0 <= fee_bps < FEE_DENOMINATOR:
        raise InvalidAmount(
            f"fee_bps must be an integer from 0 to {FEE_DENOMINATOR - 1} basis points, "
            f"got {fee_bps!r}"
        )


def get_amount_out(amount_in: int, reserve_in: int, reserve_out: int, fee_bps: int = 30) -> int:
    """Mirrors UniswapV2Library.getAmountOut (fee in basis points instead of 997/1000).

    Output paid for `amount_in`, rounded down. Raises `InvalidAmount` for a
    non-positive input and `InsufficientLiquidity` for an empty reserve.
    """
    if type(amount_in) is not int or amount_in <= 0:
        raise InvalidAmount(
            f"UniswapV2Library: INSUFFICIENT_INPUT_AMOUNT: the input must be a positive "
            f"integer in raw units, got {amount_in!r}"
        )
    if reserve_in <= 0 or reserve_out <= 0:
        raise InsufficientLiquidity(
            f"UniswapV2Library: INSUFFICIENT_LIQUIDITY: the pool has no liquidity "
            f"(reserve_in {reserve_in}, reserve_out {reserve_out})"
        )
    if not 0 <= fee_bps < FEE_DENOMINATOR:
        check_fee_bps(fee_bps)
    amount_in_with_fee = amount_in * (FEE_DENOMINATOR - fee_bps)
    numerator = amount_in_with_fee * reserve_out
    denominator = reserve_in * FEE_DENOMINATOR + amount_in_with_fee
    return numerator // denominator


def get_amount_in(amount_out: int, reserve_in: int, reserve_out: int, fee_bps: int = 30) -> int:
    """Mirrors UniswapV2Library.getAmountIn (fee in basis points instead of 997/1000).

    Input needed to receive `amount_out`: the floor of the exact amount plus one,
    unconditionally, as in the library (so it may be 1 wei more than strictly needed).
    """
    if type(amount_out) is not int or amount_out <= 0:
        raise InvalidAmount(
            f"UniswapV2Library: INSUFFICIENT_OUTPUT_AMOUNT: the output must be a positive "
            f"integer in raw units, got {amount_out!r}"
        )
    if reserve_in <= 0 or reserve_out <= 0:
        raise InsufficientLiquidity(
            f"UniswapV2Library: INSUFFICIENT_LIQUIDITY: the pool has no liquidity "
            f"(reserve_in {reserve_in}, reserve_out {reserve_out})"
        )
    if amount_out >= reserve_out:
        # the library reverts here too (SafeMath underflow, or division by zero)
        raise InsufficientLiquidity(
            f"UniswapV2Library: INSUFFICIENT_LIQUIDITY: cannot buy {amount_out}, the pool "
            f"holds only {reserve_out} of the output token (no input is large enough)"
        )
    check_fee_bps(fee_bps)
    numerator = reserve_in * amount_out * FEE_DENOMINATOR
    denominator = (reserve_out - amount_out) * (FEE_DENOMINATOR - fee_bps)
    return numerator // denominator + 1


def quote(amount_a: int, reserve_a: int, reserve_b: int) -> int:
    """Mirrors UniswapV2Library.quote: `amount_a` of A in B at the reserve ratio, rounded down."""
    if type(amount_a) is not int or amount_a <= 0:
        raise InvalidAmount(
            f"UniswapV2Library: INSUFFICIENT_AMOUNT: the amount must be a positive integer "
            f"in raw units, got {amount_a!r}"
        )
    if reserve_a <= 0 or reserve_b <= 0:
        raise InsufficientLiquidity(
            f"UniswapV2Library: INSUFFICIENT_LIQUIDITY: the pool has no liquidity "
            f"(reserve_a {reserve_a}, reserve_b {reserve_b})"
        )
    return amount_a * reserve_b // reserve_a
