"""Tests for sim.market.prices.volatility: the block length in years and realised volatility."""

from __future__ import annotations

import math
import statistics

import pytest

from sim.errors import ScenarioError
from sim.market.prices.volatility import dt_years, realised_vol
from sim.units import SECONDS_PER_YEAR


def test_dt_years_makes_a_year_of_minute_blocks() -> None:
    assert dt_years(60) * 525_600 == pytest.approx(1.0, rel=1e-15)
    for bad in (0, -1, math.nan, math.inf):
        with pytest.raises(ScenarioError):
            dt_years(bad)


def test_realised_vol_is_the_sample_std_of_log_returns_over_root_dt() -> None:
    returns = [0.1, -0.1, 0.2, 0.05]
    prices = [100.0]
    for r in returns:
        prices.append(prices[-1] * math.exp(r))
    expected = statistics.stdev(returns) / math.sqrt(3600 / SECONDS_PER_YEAR)
    assert realised_vol(prices, 3600) == pytest.approx(expected, rel=1e-12)
    with pytest.raises(ValueError, match="one-dimensional"):
        realised_vol([[1.0, 2.0, 3.0]], 3600)
    with pytest.raises(ScenarioError):
        realised_vol(prices, 0)
