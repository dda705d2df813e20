"""Mirrors v3-core's FixedPoint96 and FixedPoint128: the scales of Q64.96 prices and Q128.128 fee growth.

A sqrt price is `sqrt(token1 / token0) * 2**96` in raw units (`sqrt_price_x96`); fee growth
per unit of liquidity is kept times 2**128 (`fee_growth_..._x128`).
"""

from __future__ import annotations

Q96: int = 1 << 96
Q128: int = 1 << 128
