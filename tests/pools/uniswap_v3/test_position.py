"""Position (sim/pools/uniswap_v3/position.py): touching a position credits the fees it earned, then applies the delta."""

from __future__ import annotations

import pytest

from sim.errors import InsufficientLiquidity, InvalidAmount
from sim.pools.uniswap_v3.fixed_point import Q128
from sim.pools.uniswap_v3.position import PositionInfo, update
from sim.pools.uniswap_v3.safe_cast import MAX_UINT128
from sim.units import MAX_UINT256


def test_fees_owed_are_liquidity_times_the_growth_of_fee_growth_inside_floored() -> None:
    position = PositionInfo(liquidity=3)
    update(position, 0, Q128 // 2, Q128)  # growth of 0.5 and 1 token per unit of liquidity
    assert position == PositionInfo(3, Q128 // 2, Q128, 1, 3)  # 3 * 0.5 floors to 1
    update(position, 2, Q128 // 2, Q128)  # no growth since: nothing more owed
    assert position == PositionInfo(5, Q128 // 2, Q128, 1, 3)


def test_fee_growth_wraps_around_2_256_like_the_contract() -> None:
    position = PositionInfo(1, MAX_UINT256, 0, 0, 0)
    update(position, 0, Q128 - 1, 0)  # inside growth went past 2**256: the difference is Q128
    assert (position.tokens_owed0, position.fee_growth_inside0_last_x128) == (1, Q128 - 1)


def test_tokens_owed_wrap_at_uint128_and_a_poke_needs_liquidity() -> None:
    position = PositionInfo(1, 0, 0, MAX_UINT128, 0)
    update(position, 0, 2 * Q128, 0)
    assert position.tokens_owed0 == 1  # MAX_UINT128 + 2 wraps: owners collect before 2**128
    with pytest.raises(InvalidAmount, match="no liquidity"):
        update(PositionInfo(), 0, 0, 0)
    with pytest.raises(InsufficientLiquidity):
        update(PositionInfo(liquidity=1), -2, 0, 0)
