"""Mirrors v3-core's Position library: an LP's record in one range and how touching it credits fees.

A pool keys positions by `(owner, tick_lower, tick_upper)`. `update` credits the fees the
position earned since it was last touched (its liquidity times the growth of fee growth
inside its range) to `tokens_owed`, then applies the liquidity delta.
"""

from __future__ import annotations

from dataclasses import dataclass

from sim.errors import InvalidAmount
from sim.pools.uniswap_v3.fixed_point import Q128
from sim.pools.uniswap_v3.full_math import mul_div
from sim.pools.uniswap_v3.liquidity_math import add_delta
from sim.pools.uniswap_v3.safe_cast import MAX_UINT128
from sim.units import MAX_UINT256


@dataclass(slots=True)
class PositionInfo:
    """Mirrors Position.Info."""

    liquidity: int = 0
    fee_growth_inside0_last_x128: int = 0
    fee_growth_inside1_last_x128: int = 0
    tokens_owed0: int = 0
    tokens_owed1: int = 0


def update(
    position: PositionInfo,
    liquidity_delta: int,
    fee_growth_inside0_x128: int,
    fee_growth_inside1_x128: int,
) -> None:
    """Mirrors Position.update: credit fees earned since the last touch, apply the delta."""
    if liquidity_delta == 0:
        if position.liquidity == 0:
            raise InvalidAmount("cannot poke a position with no liquidity")
        liquidity_next = position.liquidity
    else:
        liquidity_next = add_delta(position.liquidity, liquidity_delta)
    owed0 = (
        mul_div(
            (fee_growth_inside0_x128 - position.fee_growth_inside0_last_x128) & MAX_UINT256,
            position.liquidity,
            Q128,
        )
        & MAX_UINT128
    )
    owed1 = (
        mul_div(
            (fee_growth_inside1_x128 - position.fee_growth_inside1_last_x128) & MAX_UINT256,
            position.liquidity,
            Q128,
        )
        & MAX_UINT128
    )
    if liquidity_delta != 0:
        position.liquidity = liquidity_next
    position.fee_growth_inside0_last_x128 = fee_growth_inside0_x128
    position.fee_growth_inside1_last_x128 = fee_growth_inside1_x128
    if owed0 > 0 or owed1 > 0:
        # overflow is acceptable in the contract: owners must collect before 2**128
        position.tokens_owed0 = (position.tokens_owed0 + owed0) & MAX_UINT128
        position.tokens_owed1 = (position.tokens_owed1 + owed1) & MAX_UINT128
