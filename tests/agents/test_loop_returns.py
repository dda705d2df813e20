"""A staking loop's returns: since entry, against plain staking, annualised from 7 days."""

from __future__ import annotations

import pytest

from agents.loop_returns import MIN_APR_DAYS, LoopEntry, annualised


def test_returns_are_annualised_from_seven_days_on() -> None:
    assert MIN_APR_DAYS == 7.0
    assert annualised(0.01, 7.0) == 0.01 * 365.0 / 7.0
    assert annualised(0.01, 6.999) is None
    assert annualised(None, 30.0) is None
    assert annualised(-0.02, 73.0) == -0.02 * 365.0 / 73.0 == pytest.approx(-0.1)


def test_an_entry_measures_days_equity_and_staking_growth() -> None:
    entry = LoopEntry(block=100, share_price=1.25, equity=2e18)
    assert entry.days_in(100 + 7_200, 12.0) == 1.0
    assert entry.days_in(100, 12.0) == 0.0
    assert entry.equity_change(2_200_000_000_000_000_000) == 2.2e18 / 2e18 - 1.0
    assert entry.equity_change(2 * 10**18) == 0.0
    assert entry.staking_return(1.3) == 1.3 / 1.25 - 1.0
    assert LoopEntry(block=0, share_price=1.0, equity=0.0).equity_change(10**18) is None
