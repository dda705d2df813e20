"""Vesting of harvested rewards and lock-up of deposits: what farms add to MasterChef.

A harvest under vesting becomes a `Tranche` released linearly over `vesting_blocks`; a
deposit under lock-up becomes a lot ``[amount, unlock_block]`` that cannot be withdrawn
before its block (a liquidity lock). Withdrawals take unlocked lots oldest first.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Lot", "Tranche", "fully_unlocked_at", "take_unlocked", "unlocked"]

Lot = list[int]
"""[amount, unlock_block] of one deposit (mutable: withdrawals shrink it)."""


@dataclass(slots=True)
class Tranche:
    """One harvest, vesting linearly over `duration` blocks from `start`."""

    amount: int
    start: int
    duration: int
    released: int = 0

    def vested(self, block: int) -> int:
        elapsed = min(max(block - self.start, 0), self.duration)
        return self.amount * elapsed // self.duration


def unlocked(lots: list[Lot], block: int) -> int:
    """Amount of `lots` out of their lock-up at `block`."""
    return sum(amount for amount, unlock in lots if unlock <= block)


def fully_unlocked_at(lots: list[Lot]) -> int | None:
    """First block at which every lot is unlocked (None without lots)."""
    if not lots:
        return None
    return max(unlock for _, unlock in lots)


def take_unlocked(lots: list[Lot], amount: int, block: int) -> list[Lot]:
    """Take `amount` from the lots unlocked at `block`, oldest first; returns the lots left."""
    for lot in lots:
        if amount == 0:
            break
        if lot[1] <= block:
            take = min(lot[0], amount)
            lot[0] -= take
            amount -= take
    return [lot for lot in lots if lot[0] > 0]
