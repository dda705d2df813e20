"""Mirrors UniswapV3Pool.flash: a loan of the pool's own balances, repaid in the same call with a fee.

The pool lends `amount0`/`amount1` and calls back; by the end of the call its balances must
have grown by at least `mulDivRoundingUp(amount, fee, 1e6)` in each token ('F0'/'F1'), else
the whole call reverts. Whatever was paid beyond the loan (the fee, or more: a donation) is
shared like swap fees: the protocol's 1/n to `protocol_fees`, the rest to the in-range
liquidity's fee growth. The pool is locked while the loan is out ('LOK'), so the borrower can
trade elsewhere but not on this pool. The caller moves the tokens; the pool books its balances.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from sim.errors import InsufficientLiquidity, InvalidAmount, PoolError
from sim.pools.uniswap_v3.fixed_point import Q128
from sim.pools.uniswap_v3.full_math import mul_div, mul_div_rounding_up
from sim.pools.uniswap_v3.safe_cast import MAX_UINT128
from sim.pools.uniswap_v3.swap_math import FEE_DENOMINATOR_PIPS
from sim.units import MAX_UINT256

__all__ = ["FlashCallback", "FlashPool", "flash", "flash_fees"]

FlashCallback = Callable[[int, int], tuple[int, int]]
"""`uniswapV3FlashCallback(fee0, fee1)`: runs while the loan is out, returns what it pays back
(pay0, pay1: the loan plus at least the fee)."""


class FlashPool(Protocol):
    """What `flash` reads and writes of the pool (`core.UniswapV3Pool`)."""

    name: str
    fee_pips: int
    fee_protocol: int
    liquidity: int
    balance0: int
    balance1: int
    unlocked: bool
    protocol_fees: list[int]
    fee_growth_global0_x128: int
    fee_growth_global1_x128: int

    def _require_initialized(self) -> None: ...
    def _require_unlocked(self) -> None: ...


def _check_uint256(what: str, value: int) -> None:
    if type(value) is not int or not 0 <= value <= MAX_UINT256:
        raise InvalidAmount(f"{what} must be an integer in [0, 2**256), got {value!r}")


def flash_fees(fee_pips: int, amount0: int, amount1: int) -> tuple[int, int]:
    """The fees UniswapV3Pool.flash charges: `FullMath.mulDivRoundingUp(amount, fee, 1e6)`."""
    return (
        mul_div_rounding_up(amount0, fee_pips, FEE_DENOMINATOR_PIPS),
        mul_div_rounding_up(amount1, fee_pips, FEE_DENOMINATOR_PIPS),
    )


def flash(
    pool: FlashPool,
    amount0: int,
    amount1: int,
    pay0: int | None,
    pay1: int | None,
    callback: FlashCallback | None,
) -> tuple[int, int]:
    """Mirrors UniswapV3Pool.flash; returns (paid0, paid1), what the pool gained (the Flash
    event's).

    The caller pays back `pay0`/`pay1` (default: exactly the loan plus the fee), or
    `callback(fee0, fee1)` runs while the loan is out (the pool locked and its balances lent
    out) and returns what it pays. A revert, in the callback or after it, leaves the pool as
    it was.
    """
    pool._require_initialized()
    pool._require_unlocked()
    _check_uint256("flash amount0", amount0)
    _check_uint256("flash amount1", amount1)
    liquidity = pool.liquidity
    if liquidity == 0:
        raise InsufficientLiquidity(f"L: pool {pool.name!r} has no liquidity in range")
    fee0, fee1 = flash_fees(pool.fee_pips, amount0, amount1)
    if amount0 > pool.balance0 or amount1 > pool.balance1:
        raise InsufficientLiquidity(
            f"TF: pool {pool.name!r} holds {pool.balance0}, {pool.balance1}; cannot lend "
            f"{amount0}, {amount1}"
        )
    if callback is not None:
        pool.balance0 -= amount0
        pool.balance1 -= amount1
        pool.unlocked = False
        try:
            pay0, pay1 = callback(fee0, fee1)
        finally:  # the checks below decide; until then the pool is as before the call
            pool.unlocked = True
            pool.balance0 += amount0
            pool.balance1 += amount1
    pay0 = amount0 + fee0 if pay0 is None else pay0
    pay1 = amount1 + fee1 if pay1 is None else pay1
    _check_uint256("flash repayment pay0", pay0)
    _check_uint256("flash repayment pay1", pay1)
    for name, pay, amount, fee in (("F0", pay0, amount0, fee0), ("F1", pay1, amount1, fee1)):
        if pay < amount + fee:
            raise PoolError(
                f"{name}: flash of {amount} repaid with {pay}, needs {amount + fee} "
                f"(the loan plus a fee of {fee})"
            )
    paid0, paid1 = pay0 - amount0, pay1 - amount1
    n0, n1 = pool.fee_protocol % 16, pool.fee_protocol >> 4
    protocol0, protocol1 = paid0 // n0 if n0 else 0, paid1 // n1 if n1 else 0
    growth0 = mul_div(paid0 - protocol0, Q128, liquidity)
    growth1 = mul_div(paid1 - protocol1, Q128, liquidity)
    pool.protocol_fees[0] = (pool.protocol_fees[0] + protocol0) & MAX_UINT128
    pool.protocol_fees[1] = (pool.protocol_fees[1] + protocol1) & MAX_UINT128
    pool.fee_growth_global0_x128 = (pool.fee_growth_global0_x128 + growth0) & MAX_UINT256
    pool.fee_growth_global1_x128 = (pool.fee_growth_global1_x128 + growth1) & MAX_UINT256
    pool.balance0 += paid0
    pool.balance1 += paid1
    return paid0, paid1
