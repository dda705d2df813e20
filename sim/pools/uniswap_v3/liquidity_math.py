"""Mirrors v3-core's LiquidityMath: adding a signed liquidity delta to a uint128, reverting out of range."""

from __future__ import annotations

from sim.errors import InsufficientLiquidity, InvalidAmount
from sim.pools.uniswap_v3.safe_cast import MAX_UINT128


def add_delta(x: int, y: int) -> int:
    """Mirrors LiquidityMath.addDelta: uint128 x plus int128 y, reverting on under/overflow."""
    z = x + y
    if z < 0:
        raise InsufficientLiquidity(f"liquidity {x} cannot drop by {-y} (would go negative)")
    if z > MAX_UINT128:
        raise InvalidAmount(f"liquidity {x} + {y} overflows uint128")
    return z
