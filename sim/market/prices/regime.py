"""Regime switching: GBM whose volatility follows a two-state (calm / volatile) Markov chain.

One uniform per block decides the next regime, independently of the diffusion's normal.
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
from pydantic import Field

from sim.config import Spec
from sim.market.prices.gbm import DRIFT, START

__all__ = ["RegimeSwitching", "regime_increments", "regime_states"]


class RegimeSwitching(Spec):
    """GBM whose volatility switches between a calm and a volatile regime (a Markov chain).

    Switching rates are continuous-time; per block the switch probability is
    1 - exp(-rate * dt). The regime is drawn independently of the diffusion.
    """

    process: Literal["regime"] = "regime"
    start: float = START
    drift: float = DRIFT
    sigma_calm: float = Field(
        default=0.4, ge=0, le=20, description="Annualised volatility in the calm regime."
    )
    sigma_volatile: float = Field(
        default=1.2, ge=0, le=20, description="Annualised volatility in the volatile regime."
    )
    switch_to_volatile_per_year: float = Field(
        default=4.0, ge=0, le=100_000, description="Rate (per year) of calm -> volatile switches."
    )
    switch_to_calm_per_year: float = Field(
        default=12.0, ge=0, le=100_000, description="Rate (per year) of volatile -> calm switches."
    )
    start_regime: Literal["calm", "volatile"] = Field(
        default="calm", description="Regime at block 0."
    )


def regime_states(volatile0: bool, u: np.ndarray, p_up: float, p_down: float) -> np.ndarray:
    """Regime at each of len(u)+1 blocks: state k drives step k; u[k] decides state k+1."""
    n = u.size
    states = np.empty(n + 1, dtype=bool)
    up = np.flatnonzero(u < p_up)
    down = np.flatnonzero(u < p_down)
    pos, state = 0, volatile0
    while pos < n:
        events = down if state else up
        k = int(np.searchsorted(events, pos))
        if k == events.size:
            states[pos:] = state
            return states
        j = int(events[k])
        states[pos : j + 1] = state
        state = not state
        pos = j + 1
    states[n] = state
    return states


def regime_increments(
    spec: RegimeSwitching, dt: float, volatile0: bool, u: np.ndarray, z: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(regime at each of len(u)+1 blocks, per-block log-price increments) from block 0's regime.

    Per block the switch probability is ``1 - exp(-rate * dt)``; each step diffuses at the
    volatility of the regime it starts in.
    """
    p_up = -math.expm1(-spec.switch_to_volatile_per_year * dt)
    p_down = -math.expm1(-spec.switch_to_calm_per_year * dt)
    states = regime_states(volatile0, u, p_up, p_down)
    sigma = np.where(states[:-1], spec.sigma_volatile, spec.sigma_calm)
    inc = (spec.drift - 0.5 * sigma**2) * dt + sigma * math.sqrt(dt) * z
    return states, inc
