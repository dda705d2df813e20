"""Tests for sim.protocols.validation: the argument checks shared by lending, staking and the hub."""

from __future__ import annotations

from typing import Any

import pytest

from sim.errors import InsufficientBalance, ProtocolError
from sim.protocols.validation import (
    check_amount,
    check_blocks,
    check_seconds_per_block,
    require_balance,
)


def test_amounts_are_positive_integers() -> None:
    check_amount(1, "supply")
    for bad, match in ((0, "supply amount must be positive: 0"), (-3, "positive: -3")):
        with pytest.raises(ProtocolError, match=match):
            check_amount(bad, "supply")
    not_ints: tuple[Any, ...] = (1.0, True, "1")
    for bad in not_ints:
        with pytest.raises(ProtocolError, match="must be an integer in smallest units"):
            check_amount(bad, "supply")


def test_blocks_and_block_times() -> None:
    check_blocks(0)
    with pytest.raises(ProtocolError, match="blocks must be a non-negative integer: -1"):
        check_blocks(-1)
    half: Any = 1.5
    with pytest.raises(ProtocolError, match=r"non-negative integer: 1\.5"):
        check_blocks(half)
    assert check_seconds_per_block(12) == 12 and check_seconds_per_block(12.0) == 12
    for bad in (0, -12, 12.5):
        with pytest.raises(ValueError, match="seconds_per_block must be a positive integer"):
            check_seconds_per_block(bad)


def test_require_balance() -> None:
    wallet = {"ETH": 5}
    require_balance(wallet, "alice", "ETH", 5)
    require_balance(wallet, "alice", "ETH", 0)
    with pytest.raises(InsufficientBalance, match="alice holds 5 ETH, needs 6"):
        require_balance(wallet, "alice", "ETH", 6)
    with pytest.raises(InsufficientBalance, match="alice holds 0 USDC, needs -1"):
        require_balance(wallet, "alice", "USDC", -1)
