"""Tests for sim.protocols.rewards.apr: reward, effective and fee APR views."""

from __future__ import annotations

import math

import pytest

from sim.errors import ProtocolError
from sim.protocols.rewards.apr import effective_reward_apr, fee_apr, reward_apr


def test_reward_apr() -> None:
    # 1000 tokens/day at $2 into a $1M pool: 2000 * 365 / 1e6
    assert reward_apr(1000, 2.0, 1_000_000) == pytest.approx(0.73)
    assert reward_apr(1000, 2.0, 0) == math.inf
    assert reward_apr(0, 2.0, 0) == 0.0
    with pytest.raises(ProtocolError, match="tvl"):
        reward_apr(1, 1, -5)


def test_effective_reward_apr() -> None:
    assert effective_reward_apr(0.73, 0.5, 0.2) == pytest.approx(0.73 * 0.5 * 0.8)
    assert effective_reward_apr(0.73, 0.0, 0.0) == 0.73
    with pytest.raises(ProtocolError, match="sell_pressure"):
        effective_reward_apr(0.73, 1.5, 0.0)


def test_fee_apr() -> None:
    # $7M over 7 days at 30 bps, LPs keep 5/6 (Uniswap V2 fee switch on), $10M TVL
    assert fee_apr(7_000_000, 7, 0.003, 5 / 6, 10_000_000) == pytest.approx(0.09125)
    assert fee_apr(1, 1, 0.003, 1.0, 0) == math.inf
    with pytest.raises(ProtocolError, match="days"):
        fee_apr(1, 0, 0.003, 1.0, 1)
