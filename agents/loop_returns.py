"""How a leveraged staking loop did: its return on equity since entry, against plain staking
over the same time, annualised only once the loop has run long enough to say something."""

from __future__ import annotations

from dataclasses import dataclass

MIN_APR_DAYS = 7.0
"""Returns are annualised only over at least this many days in the loop (else reported as None):
a one-day loss times 365 says nothing about a year."""


def annualised(change: float | None, days: float) -> float | None:
    """A simple return over `days` a year (None for no return or under `MIN_APR_DAYS`)."""
    if change is None or days < MIN_APR_DAYS:
        return None
    return change * 365.0 / days


@dataclass(frozen=True, slots=True)
class LoopEntry:
    """What a looper recorded when its loop went through."""

    block: int
    share_price: float
    """Underlying per LST share at entry (both LST designs: exchange rate or rebase)."""
    equity: float
    """Underlying units staked at entry (token units)."""

    def days_in(self, block: int, block_time_s: float) -> float:
        """Days in the loop at `block`."""
        return (block - self.block) * block_time_s / 86_400

    def equity_change(self, equity_now: int) -> float | None:
        """Equity now over equity staked at entry, minus 1 (None without equity at entry)."""
        if self.equity <= 0:
            return None
        return equity_now / self.equity - 1.0

    def staking_return(self, share_price_now: float) -> float:
        """Plain staking over the same time: growth of the underlying per share since entry."""
        return share_price_now / self.share_price - 1.0
