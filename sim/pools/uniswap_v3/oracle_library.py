"""Mirrors v3-periphery's OracleLibrary: how integrators read a V3 pool's oracle as a price.

`consult` turns two `observe` readings `seconds_ago` apart into the arithmetic mean tick over
that window (rounded toward negative infinity) and the harmonic mean liquidity;
`get_quote_at_tick` prices an amount of one token in the other at a tick (1.0001**tick
token1 per token0, in raw units). The mean tick's price is the geometric mean of the prices
over the window: a lending market reading it is moved by a manipulated block only in
proportion to that block's share of the window.
"""

from __future__ import annotations

from typing import Protocol

from sim.errors import InvalidAmount, PoolError
from sim.pools.uniswap_v3.full_math import mul_div
from sim.pools.uniswap_v3.oracle import MASK160, wrap_int56
from sim.pools.uniswap_v3.safe_cast import MAX_UINT128
from sim.pools.uniswap_v3.tick_math import get_sqrt_ratio_at_tick

__all__ = ["Observable", "consult", "get_quote_at_tick"]

_MASK192 = (1 << 192) - 1


class Observable(Protocol):
    """Anything with the pool's `observe` (IUniswapV3PoolDerivedState)."""

    def observe(self, seconds_agos: list[int]) -> tuple[list[int], list[int]]: ...


def consult(pool: Observable, seconds_ago: int) -> tuple[int, int]:
    """Mirrors OracleLibrary.consult: (arithmetic mean tick, harmonic mean liquidity) over the
    last `seconds_ago` seconds ('BP' for an empty window; the pool's 'OLD' past its oldest
    observation)."""
    if type(seconds_ago) is not int or not 0 <= seconds_ago < 1 << 32:
        raise InvalidAmount(f"seconds ago must be a uint32, got {seconds_ago!r}")
    if seconds_ago == 0:
        raise InvalidAmount("BP: a TWAP window of 0 seconds")
    tick_cumulatives, seconds_per_liquidity = pool.observe([seconds_ago, 0])
    tick_delta = wrap_int56(tick_cumulatives[1] - tick_cumulatives[0])
    spl_delta = (seconds_per_liquidity[1] - seconds_per_liquidity[0]) & MASK160
    mean_tick = abs(tick_delta) // seconds_ago * (-1 if tick_delta < 0 else 1)  # truncates
    if tick_delta < 0 and tick_delta % seconds_ago != 0:
        mean_tick -= 1  # always round to negative infinity
    if spl_delta == 0:
        raise PoolError("consult: no seconds per liquidity in the window (division by zero)")
    seconds_ago_x160 = seconds_ago * MASK160  # uint192: fits
    harmonic_mean_liquidity = (seconds_ago_x160 // ((spl_delta << 32) & _MASK192)) & MAX_UINT128
    return mean_tick, harmonic_mean_liquidity


def get_quote_at_tick(tick: int, base_amount: int, base_is_token0: bool) -> int:
    """Mirrors OracleLibrary.getQuoteAtTick: `base_amount` (uint128) of the base token in the
    quote token at `tick`, rounded down (`baseToken < quoteToken` is `base_is_token0`)."""
    if type(base_amount) is not int or not 0 <= base_amount <= MAX_UINT128:
        raise InvalidAmount(f"base amount must be a uint128, got {base_amount!r}")
    sqrt_ratio_x96 = get_sqrt_ratio_at_tick(tick)
    if sqrt_ratio_x96 <= MAX_UINT128:
        ratio_x192 = sqrt_ratio_x96 * sqrt_ratio_x96
        if base_is_token0:
            return mul_div(ratio_x192, base_amount, 1 << 192)
        return mul_div(1 << 192, base_amount, ratio_x192)
    ratio_x128 = mul_div(sqrt_ratio_x96, sqrt_ratio_x96, 1 << 64)
    if base_is_token0:
        return mul_div(ratio_x128, base_amount, 1 << 128)
    return mul_div(1 << 128, base_amount, ratio_x128)
