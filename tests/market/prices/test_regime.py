"""Tests for sim.market.prices.regime: the two-state Markov chain and its per-regime volatility."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.market.prices.regime import RegimeSwitching, regime_increments, regime_states


def test_each_uniform_decides_the_next_regime() -> None:
    u = np.array([0.5, 0.05, 0.5, 0.01, 0.9])
    # calm -> volatile below p_up = 0.1; volatile -> calm below p_down = 0.02
    assert regime_states(False, u, 0.1, 0.02).tolist() == [False, False, True, True, False, False]
    assert regime_states(True, u, 0.1, 0.02).tolist() == [True, True, True, True, False, False]
    assert regime_states(True, np.array([]), 0.1, 0.02).tolist() == [True]


def test_each_step_diffuses_at_the_volatility_of_its_starting_regime() -> None:
    spec = RegimeSwitching(
        start=1.0,
        drift=0.0,
        sigma_calm=0.1,
        sigma_volatile=1.0,
        switch_to_volatile_per_year=1e4,
        switch_to_calm_per_year=1e-9,
    )
    dt = 1e-3  # p_up = 1 - e^-10, p_down ~ 1e-12
    states, inc = regime_increments(spec, dt, False, np.array([0.5, 0.5]), np.ones(2))
    assert states.tolist() == [False, True, True]
    root = math.sqrt(dt)
    assert inc.tolist() == pytest.approx([-0.005 * dt + 0.1 * root, -0.5 * dt + root], rel=1e-12)
