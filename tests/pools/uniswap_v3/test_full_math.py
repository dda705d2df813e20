"""FullMath (sim/pools/uniswap_v3/full_math.py): floor and round-up mulDiv with their reverts."""

from __future__ import annotations

import pytest

from sim.errors import PoolError
from sim.pools.uniswap_v3.full_math import mul_div, mul_div_rounding_up
from sim.units import MAX_UINT256


def test_mul_div_floors_and_rounds_up() -> None:
    assert mul_div(7, 3, 2) == 10
    assert mul_div_rounding_up(7, 3, 2) == 11
    assert mul_div_rounding_up(6, 3, 2) == 9
    # a 512-bit intermediate that fits back in 256 bits
    assert mul_div(MAX_UINT256, MAX_UINT256, MAX_UINT256) == MAX_UINT256


def test_mul_div_reverts_on_zero_denominator_and_overflow() -> None:
    with pytest.raises(PoolError):
        mul_div(1, 1, 0)
    with pytest.raises(PoolError):
        mul_div(MAX_UINT256, 2, 1)
    with pytest.raises(PoolError):
        mul_div_rounding_up(MAX_UINT256, MAX_UINT256, MAX_UINT256 - 1)
