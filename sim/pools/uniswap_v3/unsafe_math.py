"""Mirrors v3-core's UnsafeMath: the one division SqrtPriceMath rounds up without a revert check."""

from __future__ import annotations


def div_rounding_up(x: int, y: int) -> int:
    """Mirrors UnsafeMath.divRoundingUp: ceil(x / y); like the EVM, division by zero gives 0."""
    if y == 0:
        return 0
    return -(-x // y)
