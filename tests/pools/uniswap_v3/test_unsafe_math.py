"""UnsafeMath (sim/pools/uniswap_v3/unsafe_math.py): divRoundingUp, and the EVM's 0 for a zero divisor."""

from __future__ import annotations

from sim.pools.uniswap_v3.unsafe_math import div_rounding_up


def test_div_rounding_up() -> None:
    assert div_rounding_up(6, 3) == 2
    assert div_rounding_up(7, 3) == 3
    assert div_rounding_up(0, 3) == 0
    assert div_rounding_up(1, 2**256 - 1) == 1
    assert div_rounding_up(5, 0) == 0  # no revert: the EVM's division by zero
