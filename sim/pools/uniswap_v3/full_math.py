"""Mirrors v3-core's FullMath: `a * b / denominator` with a 512-bit intermediate, floored or rounded up.

Python integers have no 256-bit limit, so the 512-bit product is exact for free; what the
library adds, and this module keeps, is the revert when the denominator is zero or the
result does not fit in uint256.
"""

from __future__ import annotations

from sim.errors import PoolError
from sim.units import MAX_UINT256


def mul_div(a: int, b: int, denominator: int) -> int:
    """Mirrors FullMath.mulDiv: floor(a * b / denominator) with a 512-bit intermediate.

    Reverts when the denominator is zero or the result does not fit in 256 bits.
    """
    if denominator == 0:
        raise PoolError("mul_div: division by zero")
    result = a * b // denominator
    if result > MAX_UINT256:
        raise PoolError("mul_div: result does not fit in uint256")
    return result


def mul_div_rounding_up(a: int, b: int, denominator: int) -> int:
    """Mirrors FullMath.mulDivRoundingUp: ceil(a * b / denominator), reverting on overflow."""
    if denominator == 0:
        raise PoolError("mul_div_rounding_up: division by zero")
    result = -(-(a * b) // denominator)
    if result > MAX_UINT256:
        raise PoolError("mul_div_rounding_up: result does not fit in uint256")
    return result
