"""LiquidityMath (sim/pools/uniswap_v3/liquidity_math.py): addDelta and its reverts."""

from __future__ import annotations

import pytest

from sim.errors import InsufficientLiquidity, InvalidAmount
from sim.pools.uniswap_v3.liquidity_math import add_delta
from sim.pools.uniswap_v3.safe_cast import MAX_UINT128


def test_add_delta_reverts_on_underflow_and_overflow() -> None:
    assert add_delta(1, 0) == 1
    assert add_delta(1, -1) == 0
    assert add_delta(1, 1) == 2
    with pytest.raises(InsufficientLiquidity):
        add_delta(0, -1)
    with pytest.raises(InsufficientLiquidity):
        add_delta(3, -4)
    with pytest.raises(InvalidAmount):
        add_delta(MAX_UINT128 - 14, 15)
