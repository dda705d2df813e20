"""Tests for sim.market.prices.gbm: GBM and jump-diffusion increments, Poisson counts by inversion."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.market.prices.gbm import GBM, JumpDiffusion, gbm_increments, poisson_counts


def test_poisson_counts_invert_the_cdf_at_each_uniform() -> None:
    # Poisson(1) CDF: 0.3679, 0.7358, 0.9197, 0.9810, 0.9963, 0.9994, ...
    u = np.array([0.0, 0.3, 0.37, 0.74, 0.95, 0.999])
    assert poisson_counts(u, 1.0).tolist() == [0, 0, 1, 2, 3, 5]
    assert poisson_counts(u, 0.0).tolist() == [0] * 6
    assert poisson_counts(np.array([1.0]), 2.0)[0] == int(2 + 12 * math.sqrt(2) + 20)  # capped


def test_gbm_increments_are_ito_corrected_drift_plus_scaled_normals() -> None:
    spec = GBM(start=1.0, sigma=0.5, drift=0.1)
    z = np.array([0.0, 1.0, -2.0])
    inc = gbm_increments(spec, 0.01, z)
    assert inc.tolist() == ((0.1 - 0.5 * 0.5**2) * 0.01 + 0.5 * math.sqrt(0.01) * z).tolist()
    assert inc[0] == pytest.approx(-0.00025, rel=1e-12)
    assert inc[1] == pytest.approx(-0.00025 + 0.05, rel=1e-12)


def test_jumps_add_count_times_mean_and_compensate_the_drift() -> None:
    spec = JumpDiffusion(
        start=1.0, sigma=0.0, drift=0.0, jump_rate_per_year=50.0, jump_mean=-0.1, jump_std=0.0
    )
    dt = 0.01  # half a jump per step on average
    u = np.array([0.0, 0.7, 0.95])  # Poisson(0.5) counts 0, 1, 2
    inc = gbm_increments(spec, dt, np.zeros(3), u, np.zeros(3))
    drift = -50.0 * math.expm1(-0.1) * dt  # E[price] stays flat: jumps down, drift up
    assert inc.tolist() == pytest.approx([drift, drift - 0.1, drift - 0.2], rel=1e-12)
    with pytest.raises(ValueError, match="jump"):
        gbm_increments(spec, dt, np.zeros(3))
