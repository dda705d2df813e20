"""Tests for sim.protocols.rewards.vesting: linear tranches and locked lots, oldest first."""

from __future__ import annotations

from sim.protocols.rewards.vesting import Tranche, fully_unlocked_at, take_unlocked, unlocked


def test_a_tranche_vests_linearly_rounding_down() -> None:
    t = Tranche(amount=1_000, start=10, duration=3)
    assert [t.vested(b) for b in (0, 10, 11, 12, 13, 99)] == [0, 0, 333, 666, 1_000, 1_000]


def test_withdrawals_take_unlocked_lots_oldest_first() -> None:
    lots = [[100, 5], [50, 20], [30, 8]]
    assert unlocked(lots, 4) == 0 and unlocked(lots, 8) == 130 and unlocked(lots, 20) == 180
    assert fully_unlocked_at(lots) == 20 and fully_unlocked_at([]) is None
    left = take_unlocked(lots, 110, 8)  # all of the first lot, 10 of the third; not the second
    assert left == [[50, 20], [20, 8]]
    assert take_unlocked(left, 0, 100) == [[50, 20], [20, 8]]
    assert take_unlocked(left, 70, 100) == []
