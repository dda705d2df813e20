"""Time in years and realised volatility: the units every price parameter is annualised in.

A year is 365 days of 86,400 s (`sim.units.SECONDS_PER_YEAR`; 525,600 one-minute blocks).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from sim.errors import ScenarioError
from sim.units import SECONDS_PER_YEAR

__all__ = ["dt_years", "realised_vol"]


def dt_years(block_time_s: float) -> float:
    """Length of one block in years, the unit of every annualised parameter."""
    if not (math.isfinite(block_time_s) and block_time_s > 0):
        raise ScenarioError(f"block_time_s must be a positive finite number, got {block_time_s!r}")
    return block_time_s / SECONDS_PER_YEAR


def realised_vol(prices: Sequence[float], block_time_s: float) -> float:
    """Annualised volatility: sample std (ddof=1) of per-block log returns / sqrt(dt).

    Fewer than three prices (under two returns) carry no dispersion
    information, so the result is 0.0 rather than an error.
    """
    dt = dt_years(block_time_s)
    arr = np.asarray(prices, dtype=float)
    if arr.ndim != 1:
        raise ValueError("prices must be a one-dimensional sequence")
    if arr.size < 3:
        return 0.0
    if not np.all(np.isfinite(arr)) or np.any(arr <= 0):
        raise ValueError("prices must be positive and finite to take log returns")
    returns = np.diff(np.log(arr))
    return float(np.std(returns, ddof=1) / math.sqrt(dt))
